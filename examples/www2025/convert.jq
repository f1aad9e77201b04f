# Converts the WWW2025 challenge's train.json (one JSON array, LLaMA-Factory style) into kdsl
# records, one per line:
#   {"id", "task": "intent"|"scene", "dialogue": "用户: ...\n客服: ...", "images": ["images/NAME"], "label"}
# Dialogue-intent prompts carry the dialogue between the START/END markers; image-scene prompts
# carry no dialogue. Image paths are relative to the data folder (use kdsl-ocr --image-root DATA).
# Usage: jq -c -f convert.jq DATA/train.json > records.jsonl
.[]
| (.instruction) as $ins
| ($ins | contains("<用户与客服的对话 START>")) as $isDialogue
| {id: .id, task: (if $isDialogue then "intent" else "scene" end)}
+ (if $isDialogue then
     {dialogue: ($ins | split("<用户与客服的对话 START>")[1] | split("<用户与客服的对话 END>")[0]
                 | ltrimstr("\n") | rtrimstr("\n"))}
   else {} end)
+ {images: ((.image // []) | map("images/" + .)), label: .output}
