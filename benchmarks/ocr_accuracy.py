"""OCR accuracy and speed on pages whose truth is known: the text PDFs of the police-pdf corpus.

Each page is rasterised with PDFium at 150 and 300 dpi, clean and "scanned" (rotated 1.5
degrees, Gaussian noise, JPEG at quality 60), OCRed by each engine, and compared with the
page's own text layer (pypdf). Character error rate = edit distance / truth length, after
collapsing whitespace on both sides (layout spacing is not what a search reads).

    .venv/bin/python benchmarks/ocr_accuracy.py [--corpus ../shared/corpus/police-pdf]
        [--pages-per-file 1] [--engines tesseract,rapidocr] [--dpis 150,300]
    .venv/bin/python benchmarks/ocr_accuracy.py --throughput [--dpis 200] [--pages-per-file 3]

--throughput instead times the ingest's own page OCR (ingest.ocr.recognise.Recogniser, cache
off) over the clean pages with 1 worker and with one per core: the wall-clock pages/s a scanned
PDF gets from `foi ingest`.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pypdfium2  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from ingest.ocr.engines import make_engine  # noqa: E402


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one numpy row per character of `a`."""
    if not a or not b:
        return max(len(a), len(b))
    codes_b = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    index = np.arange(len(b) + 1)
    row = index.copy()
    for i, char in enumerate(a.encode("utf-32-le").decode("utf-32-le"), 1):
        cost = (codes_b != ord(char)).astype(np.int64)
        candidate = np.empty_like(row)
        candidate[0] = i
        candidate[1:] = np.minimum(row[1:] + 1, row[:-1] + cost)
        # Insertions run along the row: row[j] = min over k <= j of candidate[k] + (j - k).
        row = np.minimum.accumulate(candidate - index) + index
    return int(row[-1])


def normalise(text: str) -> str:
    return " ".join(text.split())


def scanned(image: Image.Image, seed: int) -> Image.Image:
    """A page as a cheap scanner leaves it: slightly rotated, noisy, JPEG-compressed."""
    rng = random.Random(seed)
    rotated = image.rotate(rng.choice((-1.5, 1.5)), resample=Image.BICUBIC, expand=True, fillcolor=255)
    pixels = np.asarray(rotated, dtype=np.float32)
    noise = np.random.default_rng(seed).normal(0, 18, pixels.shape)
    noisy = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6))
    buffer = io.BytesIO()
    noisy.save(buffer, format="JPEG", quality=60)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("L")


def pages(corpus: Path, per_file: int):
    for path in sorted(corpus.glob("*.pdf")):
        data = path.read_bytes()
        truth = PdfReader(io.BytesIO(data)).pages
        document = pypdfium2.PdfDocument(data)
        for index in range(min(per_file, len(document))):
            text = normalise(truth[index].extract_text() or "")
            if len(text) >= 200:
                yield path.name, index + 1, document, index, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared/corpus/police-pdf")
    parser.add_argument("--pages-per-file", type=int, default=1)
    parser.add_argument("--engines", default="tesseract,rapidocr")
    parser.add_argument("--dpis", default="150,300")
    parser.add_argument("--throughput", action="store_true")
    args = parser.parse_args()
    if args.throughput:
        throughput(args)
        return
    engines = {name: make_engine(name, "eng") for name in args.engines.split(",")}
    for engine in engines.values():  # load models before timing
        engine.recognise(Image.new("L", (200, 60), 255))
    results: dict[tuple[str, int, str], list[tuple[int, int, float]]] = {}
    count = 0
    for name, number, document, index, truth in pages(args.corpus, args.pages_per_file):
        count += 1
        for dpi in (int(d) for d in args.dpis.split(",")):
            clean = document[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            for variant, image in (("clean", clean), ("skew+noise", scanned(clean, number))):
                for engine_name, engine in engines.items():
                    started = time.perf_counter()
                    text = normalise(engine.recognise(image))
                    seconds = time.perf_counter() - started
                    errors = edit_distance(text, truth)
                    results.setdefault((engine_name, dpi, variant), []).append((errors, len(truth), seconds))
                    print(f"  {name} p{number} {dpi} dpi {variant:10s} {engine_name:9s} "
                          f"CER {errors / len(truth):.3f}  {seconds:.1f} s", file=sys.stderr)
    print(f"\n{count} pages; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
    for engine in engines.values():
        print(f"{engine.name}: {engine.version}")
    print("\n| engine | dpi | page | CER | pages/s |")
    print("| --- | --- | --- | --- | --- |")
    for (engine_name, dpi, variant), rows in sorted(results.items()):
        errors = sum(r[0] for r in rows)
        chars = sum(r[1] for r in rows)
        seconds = sum(r[2] for r in rows)
        print(f"| {engine_name} | {dpi} | {variant} | {errors / chars:.3f} | {len(rows) / seconds:.2f} |")


def throughput(args) -> None:
    from ingest.ocr.options import OcrOptions
    from ingest.ocr.recognise import Recogniser

    dpi = int(args.dpis.split(",")[0])
    images = [document[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
              for _, _, document, index, _ in pages(args.corpus, args.pages_per_file)]
    print(f"{len(images)} clean pages at {dpi} dpi; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
    print("\n| engine | workers | pages/s |\n| --- | --- | --- |")
    for engine in args.engines.split(","):
        for workers in sorted({1, os.cpu_count() or 1}):
            recogniser = Recogniser(OcrOptions(engine=engine, workers=workers))
            recogniser.engine()
            started = time.perf_counter()
            recogniser.recognise(iter(images), len(images))
            print(f"| {engine} | {workers} | {len(images) / (time.perf_counter() - started):.2f} |")


if __name__ == "__main__":
    main()
