// Runs computop-node-client, a Paygate client written by others, on the
// operations read as JSON lines from stdin, and writes one JSON result per
// line. KEY_BLOWFISH and KEY_HMAC must be set before the require.
const computop = require('computop-node-client');
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean);
for (const line of lines) {
  const op = JSON.parse(line);
  let out;
  switch (op.op) {
    case 'encrypt': out = computop.encryptBlowfish(op.text); break;
    case 'decrypt': out = computop.decryptBlowfish(op.text); break;
    case 'mac': out = computop.generateHash(op.text); break;
    case 'parse': out = computop.parseResponse(op.text); break;
    default: throw new Error('unknown op ' + op.op);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
