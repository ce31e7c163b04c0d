# pyspf.py is the pyspf side of e2e/spf-diff.sh: it evaluates each case of
# cases.tsv with pyspf (Debian's python3-spf with python3-dnspython, strict mode as shipped)
# asking the lab's DNS server only, and prints "CASE<TAB>RESULT".
#
#   python3 pyspf.py SERVER_IP CASES.tsv
import sys

import spf

server, cases = sys.argv[1], sys.argv[2]
# pyspf picks dnspython when it is installed and pydns otherwise, and the two
# differ (pydns takes a REFUSED answer for no record): the comparison uses
# dnspython, always, so that it does not depend on what else is installed.
if spf.DNSLookup.__name__ == "DNSLookup_pydns":
    sys.exit("pyspf.py: pyspf uses pydns, not dnspython: apt-get install python3-dnspython")
import dns.resolver
r = dns.resolver.Resolver(configure=False)
r.nameservers = [server]
dns.resolver.default_resolver = r

with open(cases) as f:
    for line in f:
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        case, ip, domain = fields[:3]
        sender = fields[3] if len(fields) > 3 else "x-y@" + domain
        result, _ = spf.check2(i=ip, s=sender, h="helo.spf.test", timeout=10, querytime=20)
        print(case + "\t" + result, flush=True)
