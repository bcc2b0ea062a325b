"""Write README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which these machines cannot install).

Markdown cells are copied; code cells are shown as Python with their text output, except `#| hide` cells.
"""
import json, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
nb = json.loads((root / "nbs" / "index.ipynb").read_text(encoding="utf-8"))
parts = []
for cell in nb["cells"]:
    src = "".join(cell["source"]).strip()
    if cell["cell_type"] == "markdown":
        parts.append(src)
        continue
    lines = src.splitlines()
    if any(l.strip() in ("#| hide", "#|hide") for l in lines): continue
    code = "\n".join(l for l in lines if not l.startswith("#|")).strip()
    if code: parts.append(f"```python\n{code}\n```")
    for out in cell.get("outputs", []):
        text = "".join(out.get("text", "") or out.get("data", {}).get("text/plain", ""))
        if text.strip(): parts.append("    " + text.rstrip().replace("\n", "\n    "))
readme = "\n\n".join(parts) + "\n"
if "--check" in sys.argv:
    sys.exit(0 if (root / "README.md").read_text(encoding="utf-8") == readme else "README.md is out of date: run python scripts/readme.py")
(root / "README.md").write_text(readme, encoding="utf-8")
