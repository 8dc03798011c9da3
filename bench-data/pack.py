#!/usr/bin/python3
"""Turn a folder of whole-screen captures into a bench sequence folder.

    pack.py RAW_DIR OUT_DIR META_JSON

RAW_DIR holds frame-NNNN.png and times.tsv (index, t_ms, grab_ms) written by
`remote-assist-bench grab`; META_JSON holds the
manifest fields record.sh knows (app, version, command, actions, licences...). Writes OUT_DIR/frame-0000.png
(the first frame, whole), OUT_DIR/patch-NNNN-K.png (the changed regions of frame NNNN), OUT_DIR/frames.tsv,
OUT_DIR/timestamps.tsv and OUT_DIR/manifest.json, then rebuilds every frame from the files it wrote and
checks it against the capture, pixel for pixel. Needs python3-pil and python3-numpy.
"""
import json
import os
import sys
import time

import numpy as np
from PIL import Image

TILE = 64


def read_frame(path):
    """RGB uint8 array (h, w, 3) of a PNG frame."""
    return np.asarray(Image.open(path).convert("RGB"))


def changed_rects(a, b):
    """Rectangles (x, y, w, h) covering every pixel that differs: the 64x64 tiles that changed, as runs along
    each tile row, runs of the same columns in consecutive rows merged, each cropped to its changed pixels."""
    h, w, _ = a.shape
    diff = np.any(a != b, axis=2)
    th, tw = (h + TILE - 1) // TILE, (w + TILE - 1) // TILE
    grid = np.zeros((th, tw), dtype=bool)
    for ty in range(th):
        for tx in range(tw):
            grid[ty, tx] = diff[ty * TILE:(ty + 1) * TILE, tx * TILE:(tx + 1) * TILE].any()
    runs = []  # [tx0, tx1, ty0, ty1] tile coordinates, inclusive
    open_runs = {}
    for ty in range(th):
        row_runs, tx = [], 0
        while tx < tw:
            if grid[ty, tx]:
                s = tx
                while tx + 1 < tw and grid[ty, tx + 1]:
                    tx += 1
                row_runs.append((s, tx))
            tx += 1
        next_open = {}
        for s, e in row_runs:
            if (s, e) in open_runs:
                r = open_runs[(s, e)]
                r[3] = ty
            else:
                r = [s, e, ty, ty]
                runs.append(r)
            next_open[(s, e)] = r
        open_runs = next_open
    rects = []
    for s, e, t0, t1 in runs:
        x0, x1 = s * TILE, min(w, (e + 1) * TILE)
        y0, y1 = t0 * TILE, min(h, (t1 + 1) * TILE)
        sub = diff[y0:y1, x0:x1]
        ys, xs = np.nonzero(sub.any(axis=1))[0], np.nonzero(sub.any(axis=0))[0]
        rects.append((x0 + int(xs[0]), y0 + int(ys[0]), int(xs[-1] - xs[0] + 1), int(ys[-1] - ys[0] + 1)))
    return rects, int(diff.sum()), int(grid.sum())


def save_png(array, path):
    Image.fromarray(array, "RGB").save(path, format="PNG", optimize=True)


def main():
    raw_dir, out_dir, meta_path = sys.argv[1:4]
    meta = json.load(open(meta_path))
    times = [line.split("\t") for line in open(os.path.join(raw_dir, "times.tsv")).read().split("\n") if line]
    files = sorted(f for f in os.listdir(raw_dir) if f.endswith(".png"))
    if len(files) != len(times) or not files:
        raise SystemExit(f"{raw_dir}: {len(files)} captures, {len(times)} timestamps")
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        if f.endswith(".png") or f in ("frames.tsv", "timestamps.tsv", "manifest.json"):
            os.remove(os.path.join(out_dir, f))

    frames_tsv, per_frame, previous = [], [], None
    changed_frames, tiles_sum = 0, 0
    for i, name in enumerate(files):
        frame = read_frame(os.path.join(raw_dir, name))
        entry = {"i": i, "t_ms": float(times[i][1]), "grab_ms": float(times[i][2])}
        if previous is None:
            save_png(frame, os.path.join(out_dir, "frame-0000.png"))
            frames_tsv.append(f"0\tframe-0000.png\t0\t0")
            entry["changed_px"] = None
            h, w, _ = frame.shape
        else:
            rects, px, tiles = changed_rects(previous, frame)
            entry.update({"changed_px": px, "tiles64": tiles, "patches": len(rects)})
            if rects:
                changed_frames += 1
                tiles_sum += tiles
            else:
                frames_tsv.append(f"{i}\t-\t0\t0")
            for k, (x, y, rw, rh) in enumerate(rects):
                patch = f"patch-{i:04d}-{k}.png"
                save_png(np.ascontiguousarray(frame[y:y + rh, x:x + rw]), os.path.join(out_dir, patch))
                frames_tsv.append(f"{i}\t{patch}\t{x}\t{y}")
        per_frame.append(entry)
        previous = frame
    open(os.path.join(out_dir, "frames.tsv"), "w").write("\n".join(frames_tsv) + "\n")
    open(os.path.join(out_dir, "timestamps.tsv"), "w").write(
        "".join(f"{e['i']}\t{e['t_ms']:.1f}\t{e['grab_ms']:.2f}\n" for e in per_frame))

    # Rebuild every frame from the written files and compare with the capture.
    rebuilt, rows = None, [line.split("\t") for line in frames_tsv]
    for i, name in enumerate(files):
        for idx, f, x, y in (r for r in rows if int(r[0]) == i):
            if f == "-":
                continue
            p = np.asarray(Image.open(os.path.join(out_dir, f)).convert("RGB"))
            if rebuilt is None:
                rebuilt = p.copy()
            else:
                rebuilt[int(y):int(y) + p.shape[0], int(x):int(x) + p.shape[1]] = p
        if not np.array_equal(rebuilt, read_frame(os.path.join(raw_dir, name))):
            raise SystemExit(f"{out_dir}: frame {i} does not rebuild exactly")

    pngs = [f for f in os.listdir(out_dir) if f.endswith(".png")]
    total = sum(os.path.getsize(os.path.join(out_dir, f)) for f in pngs)
    n = len(files)
    manifest = dict(meta)
    manifest.update({
        "resolution": [w, h],
        "pixel_format_captured": "32-bit BGRX little-endian (XShmGetImage of the root window by remote-assist-bench grab, pad byte masked); PNG stores RGB only",
        "png_format": "8-bit RGB, non-interlaced, Pillow optimize=True (zlib level 9)",
        "frame_count": n,
        "storage": "frame-0000.png is the first frame; frames.tsv lists for every frame i the PNG patches painted at "
                   "(x, y) over frame i-1 to give frame i ('-': unchanged); patches cover the changed 64x64 tiles, "
                   "cropped to the changed pixels. Rebuilt frames were checked against the captures pixel for pixel.",
        "png_files": len(pngs),
        "total_bytes": total,
        "total_bytes_note": f"sum of PNG sizes; raw BGRX would be {n * w * h * 4} bytes",
        "capture_tool": "remote-assist-bench grab (MIT-SHM into memory at a fixed cadence, PNGs written after the last grab), driven by bench-data/record.sh, packed by bench-data/pack.py",
        "packed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "change_stats": {
            "width": w, "height": h, "frame_count": n,
            "frames_with_change": changed_frames,
            "mean_changed_px_per_frame": round(sum(e.get("changed_px") or 0 for e in per_frame) / max(1, n - 1)),
            "mean_tiles64_per_frame": round(tiles_sum / max(1, n - 1), 1),
            "tiles64_total": ((w + TILE - 1) // TILE) * ((h + TILE - 1) // TILE),
        },
        "per_frame": per_frame,
    })
    json.dump(manifest, open(os.path.join(out_dir, "manifest.json"), "w"), indent=1)
    print(f"{out_dir}: {n} frames, {changed_frames} changed, {len(pngs)} PNGs, {total} bytes")


if __name__ == "__main__":
    main()
