#!/usr/bin/env bash
# Rebuilds the bundled sample from ../shared/data (run once by a maintainer; the output is committed).
# Needs jq and ImageMagick's `convert`. Sources and licences: see ATTRIBUTION.md.
#   intent: 8 BANKING77 intents (CC-BY-4.0), 10 training sentences each (train_10) and 10 test
#           sentences each (the first 10 of valid), as user turns of a dialogue.
#   scene:  "receipt" = 16 SROIE receipts (CC-BY-4.0), grayscale, re-encoded;
#           "document" = the 4 Tesseract test pages (Apache-2.0), each cut into 4 tiles.
#           Half of each class is training data, half test data.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
data="${DATA:-$here/../../../shared/data}"
cd "$here"
rm -rf images && mkdir -p images
intents='["card_arrival","lost_or_stolen_card","exchange_rate","top_up_failed","transfer_timing","cash_withdrawal_charge","pin_blocked","Refund_not_showing_up"]'
{
  jq -c --argjson keep "$intents" 'select(.label as $l | $keep | index($l))
    | {id, task: "intent", dialogue: ("User: " + .text), label: .label, split: "train"}' "$data/intent/banking77/train_10.jsonl"
  jq -s -c --argjson keep "$intents" 'map(select(.label as $l | $keep | index($l))) | group_by(.label)
    | map(.[:10]) | flatten | .[] | {id, task: "intent", dialogue: ("User: " + .text), label: .label, split: "test"}' "$data/intent/banking77/valid.jsonl"
} > intent.tmp
i=0
for n in 000 003 007 011 015 019 023 027 031 035 039 043 047 051 055 059; do
  /usr/bin/convert "$data/ocr/sroie/img/$n.jpg" -colorspace Gray -quality 80 "images/receipt-$n.jpg"
  split=$([ $((i % 2)) = 0 ] && echo train || echo test)
  printf '{"id":"receipt-%s","task":"scene","images":["images/receipt-%s.jpg"],"label":"receipt","split":"%s"}\n' "$n" "$n" "$split"
  i=$((i + 1))
done > scene.tmp
for page in 8071_093.3B 8087_054.3B eurotext phototest; do
  /usr/bin/convert "$data/ocr/tesseract-test/$page.tif" -crop 2x2@ +repage -colorspace Gray "images/page-$page-%d.png"
  for t in 0 1 2 3; do
    split=$([ $((t % 2)) = 0 ] && echo train || echo test)
    printf '{"id":"page-%s-%d","task":"scene","images":["images/page-%s-%d.png"],"label":"document","split":"%s"}\n' "$page" "$t" "$page" "$t" "$split"
  done
done >> scene.tmp
cat intent.tmp scene.tmp > records.jsonl
rm intent.tmp scene.tmp
du -sh images records.jsonl
