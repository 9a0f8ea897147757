#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Independent known-answer values for tests/crypto/test_kat.c, computed with
# the python3 `cryptography` package (Debian python3-cryptography) and plain
# Python integers. Run: /usr/bin/python3 tests/crypto/kat_gen.py
import hashlib, hmac, struct
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

def hx(b): return b.hex()

# 1. AES-128-CTR keystream: key = seed[0:16], counter block starts at zero.
seed = bytes(range(32))
enc = Cipher(algorithms.AES(seed[:16]), modes.CTR(bytes(16))).encryptor()
ks = enc.update(bytes(4 * 5000))
words = struct.unpack('<5000I', ks)
print('prg words[0..8]   ', ['0x%08x' % w for w in words[:8]])
print('prg words[4097..4101]', ['0x%08x' % w for w in words[4097:4101]])

# 2. HKDF-SHA256 RFC 5869 case 1 checked by the library, and fl_kx_derive.
ikm = bytes([0x0b] * 22); salt = bytes(range(13)); info = bytes(range(0xf0, 0xfa))
print('hkdf rfc5869 #1   ', hx(HKDF(hashes.SHA256(), 42, salt, info).derive(ikm)))

# 3. X25519 (RFC 7748 section 6.1 keys), then fl_kx_derive's HKDF.
a_sk = bytes.fromhex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
b_pk = bytes.fromhex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')
shared = X25519PrivateKey.from_private_bytes(a_sk).exchange(X25519PublicKey.from_public_bytes(b_pk))
print('x25519 shared     ', hx(shared))
label = b'fedc-mask'
info = label + struct.pack('<QIIII', 7, 3, 2, 5, 9)   # job 7 round 3 attempt 2 ids 5<9
print('kx_derive         ', hx(HKDF(hashes.SHA256(), 32, b'fedc-secagg-v1', info).derive(shared)))

# 4. XChaCha20-Poly1305 = ChaCha20-Poly1305 under HChaCha20(key, nonce[:16])
#    with nonce 0^4 || nonce[16:24].
def rotl(v, c): return ((v << c) & 0xffffffff) | (v >> (32 - c))
def qr(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 7)
def hchacha20(key, n16):
    s = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574] + list(struct.unpack('<8I', key)) + list(struct.unpack('<4I', n16))
    for _ in range(10):
        qr(s, 0, 4, 8, 12); qr(s, 1, 5, 9, 13); qr(s, 2, 6, 10, 14); qr(s, 3, 7, 11, 15)
        qr(s, 0, 5, 10, 15); qr(s, 1, 6, 11, 12); qr(s, 2, 7, 8, 13); qr(s, 3, 4, 9, 14)
    return struct.pack('<8I', *(s[0:4] + s[12:16]))
key = bytes(range(0x80, 0xa0)); nonce = bytes(range(0x40, 0x58)); pt = b'fedc share plaintext'
ad = struct.pack('<IIQII', 3, 8, 7, 3, 2) + bytes(range(0xd0, 0xf0))   # sender 3 recipient 8 job 7 round 3 attempt 2, key-list digest d0..ef
sub = hchacha20(key, nonce[:16])
ct = ChaCha20Poly1305(sub).encrypt(bytes(4) + nonce[16:], pt, ad)
print('xchacha nonce||ct ', hx(nonce + ct))

# 5. Shamir over GF(2^127-1): chunks 11/11/10 bytes LE, f_c(x) = a0 + a1 x + a2 x^2
p = 2**127 - 1
secret = bytes(range(100, 132))
chunks = [int.from_bytes(secret[0:11], 'little'), int.from_bytes(secret[11:22], 'little'), int.from_bytes(secret[22:32], 'little')]
coef = [[chunks[c], (12345678901234567890123 * (c + 1)) % p, (98765432109876543210987 * (c + 7)) % p] for c in range(3)]
for x in (2, 5, 11):
    y = b''.join(((co[0] + co[1] * x + co[2] * x * x) % p).to_bytes(16, 'little') for co in coef)
    print('shamir x=%d y=%s' % (x, hx(y)))
