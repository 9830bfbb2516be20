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
    case 'request': out = request(op); break;
    case 'result': out = result(op); break;
    default: throw new Error('unknown op ' + op.op);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

// request builds an encrypted Paygate request the way a shop does:
// fields joined as Key=Value&…, the MAC over
// PayID*TransID*MerchantID*Amount*Currency appended, Len in bytes (as
// PHP's strlen counts), Data from the client's Blowfish.
function request(op) {
  const f = op.fields;
  const mac = computop.generateHash([f.PayID || '', f.TransID || '', f.MerchantID || '', f.Amount || '', f.Currency || ''].join('*'));
  const pairs = Object.entries(f).map(([k, v]) => k + '=' + v);
  pairs.push('MAC=' + (op.mac === undefined ? mac : op.mac));
  const plain = pairs.join('&');
  return { Len: Buffer.byteLength(plain), Data: computop.encryptBlowfish(plain), MAC: mac };
}

// result decrypts a result's Data, cuts it to Len, parses it and checks
// its MAC over PayID*TransID*mid*Status*Code.
function result(op) {
  const plain = Buffer.from(computop.decryptBlowfish(op.Data)).subarray(0, Number(op.Len)).toString();
  const fields = computop.parseResponse(plain);
  const want = computop.generateHash([fields.PayID, fields.TransID, fields.mid, fields.Status, fields.Code].join('*'));
  return { fields, macOK: want === fields.MAC };
}
