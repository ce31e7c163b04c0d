# pyspf.py is the pyspf side of e2e/spf-diff.sh: it evaluates each case of
# cases.tsv with pyspf (Debian's python3-spf, strict mode as shipped)
# asking the lab's DNS server only, and prints "CASE<TAB>RESULT".
#
#   python3 pyspf.py SERVER_IP CASES.tsv
import sys

import spf

server, cases = sys.argv[1], sys.argv[2]
if spf.DNSLookup.__name__ == "DNSLookup_pydns":
    import DNS
    DNS.defaults["server"] = [server]
    DNS.defaults["port"] = 53
else:
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
