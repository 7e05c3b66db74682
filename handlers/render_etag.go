package handlers

import (
	"hash/crc32"
)

// castagnoli is CRC-32C's table; both CRC-32s below run on the processor's own CRC or
// carry-less multiply instructions where it has them (amd64, arm64).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// etagOf is a weak validator of a document's bytes: two CRC-32s of them with different
// polynomials, 64 bits in all. It only has to change when the document does (nobody forges
// a mock's documents), and at memory speed: a list's document is tens of kilobytes, which
// FNV-1a took microseconds to hash.
func etagOf(body []byte) string {
	var tag [3 + 16 + 1]byte
	copy(tag[:], `W/"`)
	putHex32(tag[3:], crc32.ChecksumIEEE(body))
	putHex32(tag[11:], crc32.Checksum(body, castagnoli))
	tag[len(tag)-1] = '"'
	return string(tag[:])
}

func putHex32(dst []byte, v uint32) {
	for i := 7; i >= 0; i-- {
		dst[i] = hexDigits[v&0xF]
		v >>= 4
	}
}
