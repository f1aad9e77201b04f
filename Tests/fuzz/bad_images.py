#!/usr/bin/env python3
"""Writes the bad-image matrix into DIR (for the kdsl-ocr tests): empty, cut and non-image files, a
GIF, extreme sizes (1x1, 2x6000, 6000x2), thin ones whose scaling once asked PP-OCR's detector for
gigabytes (1x2000, 2000x1, 1x100000), 16-bit gray and palette PNGs."""
import os, struct, sys, zlib

def png(w, h, color=6, depth=8):
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    bpp = max(1, {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color] * depth // 8)
    raw = b''.join(b'\x00' + bytes((x * 7 + y * 3) % 256 for x in range(w * bpp)) for y in range(h))
    palette = chunk(b'PLTE', bytes(range(256)) * 3) if color == 3 else b''
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, color, 0, 0, 0)) + palette
            + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))

d = sys.argv[1]
os.makedirs(d, exist_ok=True)
files = {
    'empty.png': b'', 'one.png': png(1, 1), 'tall.png': png(2, 6000, 0), 'wide.png': png(6000, 2, 0),
    'gray16.png': png(64, 64, 0, 16), 'pal.png': png(64, 64, 3), 'cut.png': png(200, 200)[:len(png(200, 200)) // 2],
    'text.png': b'hello world, not an image',
    'thin-tall.png': png(1, 2000, 0), 'thin-wide.png': png(2000, 1, 0), 'thin-long.png': png(1, 100000, 0),
    'gif.gif': b'GIF89a\x01\x00\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x00;',
}
for name, data in files.items():
    open(os.path.join(d, name), 'wb').write(data)
