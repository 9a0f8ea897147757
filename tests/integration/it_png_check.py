# SPDX-License-Identifier: Apache-2.0
# it_png_check.py PNG WIDTH HEIGHT: exits 0 if PNG is an 8-bit RGB(A) PNG of
# that size whose pixels hold real content: at least 16 distinct colours
# and at least 1% of the pixels not the most common colour (not blank).
# Plain python3 (zlib), no imaging library.
import struct, sys, zlib

def main(path, want_w, want_h):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return "not a PNG"
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if w is None or (w, h) != (want_w, want_h):
        return "size %sx%s, want %dx%d" % (w, h if w else None, want_w, want_h)
    if depth != 8 or ctype not in (2, 6):
        return "unexpected PNG format (depth %d, colour type %d)" % (depth, ctype)
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    prev, counts, i = bytearray(stride), {}, 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp * 2):   # every other pixel is enough
            k = bytes(line[x:x + 3])
            counts[k] = counts.get(k, 0) + 1
        prev = line
    total, top = sum(counts.values()), max(counts.values())
    print("%s: %dx%d, %d bytes, %d colours, %.1f%% not the background"
          % (path, w, h, len(data), len(counts), 100.0 * (total - top) / total))
    if len(counts) < 16 or (total - top) < total // 100:
        return "blank or nearly so"
    return None

err = main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
if err:
    print("it_png_check: " + err, file=sys.stderr)
    sys.exit(1)
