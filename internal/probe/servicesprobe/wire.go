package servicesprobe

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strconv"

	"vigie.eu/vigie/internal/audit"
)

// RDP protocols of the negotiation ([MS-RDPBCGR] 2.2.1.1.1).
const (
	rdpProtocolSSL    = 0x1
	rdpProtocolHybrid = 0x2
	// hybridRequired is the failure code HYBRID_REQUIRED_BY_SERVER
	// ([MS-RDPBCGR] 2.2.1.2.2).
	hybridRequired = 0x5
)

// identifyRDP sends an X.224 connection request (ITU-T X.224 13.3, in a
// TPKT of RFC 1006) carrying an RDP negotiation request that offers TLS
// but not CredSSP ([MS-RDPBCGR] 2.2.1.1): a server that requires network
// level authentication refuses it with HYBRID_REQUIRED_BY_SERVER; one that
// does not accepts TLS or standard RDP security. Nothing more is sent.
func identifyRDP(c net.Conn, svc *audit.Service) error {
	neg := []byte{0x01, 0x00, 0x08, 0x00, rdpProtocolSSL, 0, 0, 0}
	x224 := append([]byte{byte(6 + len(neg)), 0xE0, 0, 0, 0, 0, 0}, neg...)
	pkt := append([]byte{3, 0, 0, 0}, x224...)
	binary.BigEndian.PutUint16(pkt[2:], uint16(len(pkt)))
	if _, err := c.Write(pkt); err != nil {
		return err
	}
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return err
	}
	n := int(binary.BigEndian.Uint16(hdr[2:]))
	if hdr[0] != 3 || n < 11 || n > 1024 {
		return fmt.Errorf("rdp: not a TPKT answer")
	}
	body := make([]byte, n-4)
	if _, err := io.ReadFull(c, body); err != nil {
		return err
	}
	if body[1]&0xF0 != 0xD0 { // CC, connection confirm
		return fmt.Errorf("rdp: no connection confirm")
	}
	svc.Name, svc.Identified, svc.Product = "rdp", true, "RDP"
	info := &audit.RDPInfo{}
	svc.RDP = info
	li := int(body[0])
	if li+1 <= len(body) && li >= 6+8 && len(body) >= 15 {
		neg := body[7:15]
		val := int(binary.LittleEndian.Uint32(neg[4:]))
		switch neg[0] {
		case 2: // RDP_NEG_RSP
			info.Selected = map[int]string{0: "rdp", 1: "tls", 2: "credssp", 4: "rdstls", 8: "credssp-early"}[val]
			info.NLARequired = val&(rdpProtocolHybrid|0x8) != 0
		case 3: // RDP_NEG_FAILURE
			info.Failure = val
			info.NLARequired = val == hybridRequired
		}
	} else {
		info.Selected = "rdp"
	}
	svc.Banner = "rdp selected=" + info.Selected + " failure=" + strconv.Itoa(info.Failure)
	return nil
}

// smbDialects are the SMB 2 and 3 dialects offered, with their names
// ([MS-SMB2] 2.2.3).
var smbDialects = []struct {
	code uint16
	name string
}{{0x0202, "2.0.2"}, {0x0210, "2.1"}, {0x0300, "3.0"}, {0x0302, "3.0.2"}, {0x0311, "3.1.1"}}

// netbios frames msg in a direct-TCP NetBIOS session header ([MS-SMB2]
// 2.1).
func netbios(msg []byte) []byte {
	out := make([]byte, 4, 4+len(msg))
	binary.BigEndian.PutUint32(out, uint32(len(msg)))
	return append(out, msg...)
}

// readNetbios reads one framed message, at most maxRead bytes.
func readNetbios(c net.Conn) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:]) & 0xFFFFFF
	if hdr[0] != 0 || n > maxRead {
		return nil, errors.New("smb: not a NetBIOS session message")
	}
	b := make([]byte, n)
	_, err := io.ReadFull(c, b)
	return b, err
}

// identifySMB2 sends an SMB2 NEGOTIATE offering every dialect from 2.0.2
// to 3.1.1, with the preauthentication integrity context that 3.1.1
// requires ([MS-SMB2] 2.2.3 and 2.2.3.1.1), and reads the dialect the
// server chose and whether it requires signing ([MS-SMB2] 2.2.4).
func identifySMB2(c net.Conn, svc *audit.Service) error {
	le := binary.LittleEndian
	hdr := make([]byte, 64)
	copy(hdr, "\xfeSMB")
	le.PutUint16(hdr[4:], 64)
	le.PutUint16(hdr[14:], 1) // credits requested
	req := make([]byte, 36)
	le.PutUint16(req[0:], 36)
	le.PutUint16(req[2:], uint16(len(smbDialects)))
	le.PutUint16(req[4:], 1) // signing enabled
	copy(req[12:28], "vigie-services19")
	for _, d := range smbDialects {
		req = le.AppendUint16(req, d.code)
	}
	for (64+len(req))%8 != 0 {
		req = append(req, 0)
	}
	le.PutUint32(req[28:], uint32(64+len(req))) // NegotiateContextOffset
	le.PutUint16(req[32:], 1)                   // NegotiateContextCount
	// SMB2_PREAUTH_INTEGRITY_CAPABILITIES: SHA-512, a 32-byte salt.
	ctx := []byte{1, 0, 38, 0, 0, 0, 0, 0, 1, 0, 32, 0, 1, 0}
	ctx = append(ctx, make([]byte, 32)...)
	copy(ctx[14:], "vigie asks which dialects you sp")
	msg := append(append(hdr, req...), ctx...)
	if _, err := c.Write(netbios(msg)); err != nil {
		return err
	}
	b, err := readNetbios(c)
	if err != nil {
		return err
	}
	if len(b) >= 4 && string(b[:4]) == "\xffSMB" {
		svc.Name, svc.Identified, svc.Product = "smb", true, "SMB"
		svc.SMB = &audit.SMBInfo{}
		return nil
	}
	if len(b) < 64+6 || string(b[:4]) != "\xfeSMB" {
		return errors.New("smb: not an SMB2 answer")
	}
	svc.Name, svc.Identified, svc.Product = "smb", true, "SMB"
	info := &audit.SMBInfo{}
	svc.SMB = info
	if le.Uint32(b[8:]) != 0 {
		return nil
	}
	body := b[64:]
	info.SigningRequired = le.Uint16(body[2:])&0x2 != 0
	code := le.Uint16(body[4:])
	for _, d := range smbDialects {
		if d.code == code {
			info.Dialect = d.name
		}
	}
	svc.Version = info.Dialect
	svc.Banner = "SMB dialect " + info.Dialect
	return nil
}

// identifySMB1 sends an SMB1 NEGOTIATE offering the single dialect "NT LM
// 0.12" ([MS-CIFS] 2.2.4.52.1): a server that still speaks SMB1 selects
// it (index 0).
func identifySMB1(c net.Conn, svc *audit.Service) {
	le := binary.LittleEndian
	hdr := make([]byte, 32)
	copy(hdr, "\xffSMB")
	hdr[4] = 0x72 // SMB_COM_NEGOTIATE
	hdr[9] = 0x18
	le.PutUint16(hdr[10:], 0xC001) // unicode, NT status, long names
	dialect := append([]byte{0x02}, "NT LM 0.12\x00"...)
	msg := append(hdr, 0) // WordCount
	msg = le.AppendUint16(msg, uint16(len(dialect)))
	msg = append(msg, dialect...)
	if _, err := c.Write(netbios(msg)); err != nil {
		return
	}
	b, err := readNetbios(c)
	if err != nil || len(b) < 35 || string(b[:4]) != "\xffSMB" || b[4] != 0x72 {
		return
	}
	if le.Uint32(b[5:]) == 0 && b[32] >= 1 && le.Uint16(b[33:]) == 0 {
		if svc.SMB == nil {
			svc.SMB = &audit.SMBInfo{}
		}
		svc.SMB.SMB1 = true
		svc.Name, svc.Identified, svc.Product = "smb", true, "SMB"
	}
}

// identifyMSSQL sends a TDS PRELOGIN asking for the version
// ([MS-TDS] 2.2.6.5) and reads the server's: SQL Server states it
// before any login.
func identifyMSSQL(c net.Conn, svc *audit.Service) error {
	// Options: VERSION (6 bytes), ENCRYPTION (1 byte), terminator.
	opts := []byte{0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xFF}
	opts = append(opts, 0, 0, 0, 0, 0, 0, 0x02) // our version, ENCRYPT_NOT_SUP
	pkt := append([]byte{0x12, 0x01, 0, 0, 0, 0, 1, 0}, opts...)
	binary.BigEndian.PutUint16(pkt[2:], uint16(len(pkt)))
	if _, err := c.Write(pkt); err != nil {
		return err
	}
	var hdr [8]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return err
	}
	n := int(binary.BigEndian.Uint16(hdr[2:]))
	if hdr[0] != 0x04 || n < 8 || n > 4096 {
		return errors.New("mssql: not a TDS answer")
	}
	b := make([]byte, n-8)
	if _, err := io.ReadFull(c, b); err != nil {
		return err
	}
	svc.Name, svc.Identified, svc.Product = "mssql", true, "Microsoft SQL Server"
	for i := 0; i+5 <= len(b) && b[i] != 0xFF; i += 5 {
		if b[i] != 0 {
			continue
		}
		off, ln := int(binary.BigEndian.Uint16(b[i+1:])), int(binary.BigEndian.Uint16(b[i+3:]))
		if ln >= 4 && off+4 <= len(b) {
			v := b[off:]
			svc.Version = fmt.Sprintf("%d.%d.%d", v[0], v[1], binary.BigEndian.Uint16(v[2:]))
		}
	}
	return nil
}

// bsonDoc encodes a BSON document of int32 and string fields, in order
// (bsonspec.org, version 1.1).
func bsonDoc(fields ...any) []byte {
	var b []byte
	for i := 0; i+1 < len(fields); i += 2 {
		k := fields[i].(string)
		switch v := fields[i+1].(type) {
		case int:
			b = append(b, 0x10)
			b = append(append(b, k...), 0)
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		case string:
			b = append(b, 0x02)
			b = append(append(b, k...), 0)
			b = binary.LittleEndian.AppendUint32(b, uint32(len(v)+1))
			b = append(append(b, v...), 0)
		}
	}
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(b)+5))
	return append(append(out, b...), 0)
}

// bsonTop returns the top-level fields of a BSON document whose values
// are numbers, strings or booleans, as strings; others are skipped.
func bsonTop(doc []byte) map[string]string {
	out := map[string]string{}
	if len(doc) < 5 {
		return out
	}
	le := binary.LittleEndian
	i := 4
	for i < len(doc)-1 {
		t := doc[i]
		i++
		j := i
		for j < len(doc) && doc[j] != 0 {
			j++
		}
		if j >= len(doc) {
			return out
		}
		k := string(doc[i:j])
		i = j + 1
		switch t {
		case 0x01:
			if i+8 > len(doc) {
				return out
			}
			out[k] = strconv.FormatFloat(float64frombits(le.Uint64(doc[i:])), 'g', -1, 64)
			i += 8
		case 0x02:
			if i+4 > len(doc) {
				return out
			}
			n := int(le.Uint32(doc[i:]))
			if n < 1 || i+4+n > len(doc) {
				return out
			}
			out[k] = string(doc[i+4 : i+4+n-1])
			i += 4 + n
		case 0x03, 0x04:
			if i+4 > len(doc) {
				return out
			}
			n := int(le.Uint32(doc[i:]))
			if n < 5 || i+n > len(doc) {
				return out
			}
			i += n
		case 0x08:
			if i+1 > len(doc) {
				return out
			}
			out[k] = strconv.FormatBool(doc[i] != 0)
			i++
		case 0x10:
			if i+4 > len(doc) {
				return out
			}
			out[k] = strconv.Itoa(int(int32(le.Uint32(doc[i:]))))
			i += 4
		case 0x12, 0x09, 0x11:
			if i+8 > len(doc) {
				return out
			}
			out[k] = strconv.FormatInt(int64(le.Uint64(doc[i:])), 10)
			i += 8
		case 0x0A:
		default:
			return out
		}
	}
	return out
}

// mongoCommand sends one OP_MSG command (MongoDB wire protocol, OP_MSG
// with a single body section) and returns the reply's body.
func mongoCommand(c net.Conn, id int, doc []byte) (map[string]string, error) {
	le := binary.LittleEndian
	msg := make([]byte, 16, 21+len(doc))
	le.PutUint32(msg[4:], uint32(id))
	le.PutUint32(msg[12:], 2013) // OP_MSG
	msg = append(msg, 0, 0, 0, 0, 0)
	msg = append(msg, doc...)
	le.PutUint32(msg[0:], uint32(len(msg)))
	if _, err := c.Write(msg); err != nil {
		return nil, err
	}
	var hdr [16]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return nil, err
	}
	n := int(le.Uint32(hdr[:]))
	if n < 21 || n > maxRead || le.Uint32(hdr[12:]) != 2013 {
		return nil, errors.New("mongodb: not an OP_MSG answer")
	}
	b := make([]byte, n-16)
	if _, err := io.ReadFull(c, b); err != nil {
		return nil, err
	}
	return bsonTop(b[5:]), nil
}

// identifyMongo asks buildInfo, which MongoDB answers before any login
// with its version, then listDatabases, which it refuses without
// authentication when access control is on.
func identifyMongo(c net.Conn, svc *audit.Service) error {
	bi, err := mongoCommand(c, 1, bsonDoc("buildInfo", 1, "$db", "admin"))
	if err != nil {
		return err
	}
	svc.Name, svc.Identified, svc.Product = "mongodb", true, "MongoDB"
	svc.Version = clean([]byte(bi["version"]))
	svc.Banner = "version " + svc.Version
	ld, err := mongoCommand(c, 2, bsonDoc("listDatabases", 1, "nameOnly", 1, "$db", "admin"))
	if err == nil && ld["ok"] == "1" {
		svc.NoAuth = true
	}
	return nil
}

func float64frombits(b uint64) float64 { return math.Float64frombits(b) }
