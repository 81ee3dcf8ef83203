// Decode ESC/POS bytes with npos (https://www.npmjs.com/package/npos, MIT), an independent parser.
// usage: node npos_decode.js <path to npos package> <escpos file>
// prints JSON: {"types": [entry types], "text": "decoded text (GB18030)", "commands": [...]}
"use strict";
const npos = require(process.argv[2]);
const fs = require("fs");
console.log = (...args) => process.stderr.write(args.join(" ") + "\n"); // npos logs to the console

// npos 0.1.19 has no rule for GS ( k (2D codes, QR). It has the same length-prefixed framing
// (pL pH) as GS ( L, which it knows, so the rule is added through its public `rules` table.
const rules = Object.assign({}, npos.rules);
rules[npos.symbols.GS] = Object.assign({}, rules[npos.symbols.GS], { "(k": [0, "d16"] });

const raw = fs.readFileSync(process.argv[3]);
npos
  .parser(rules)
  .parse(raw)
  .then((ast) => {
    const textEntries = ast.entries.filter((e) => e.type === "text");
    const commands = ast.tree.map((n) => (n.ascii || "") + (n.fn || ""));
    return npos.textualize(textEntries, { text: { encoding: "GB18030" } }).then((texts) => {
      process.stdout.write(
        JSON.stringify({
          types: Array.from(new Set(ast.entries.map((e) => e.type))),
          text: texts.join(""),
          commands: Array.from(new Set(commands)),
        })
      );
    });
  })
  .catch((err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
    process.exit(2);
  });
