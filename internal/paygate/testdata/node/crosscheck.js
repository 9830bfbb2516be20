// Runs computop-node-client, a Paygate client written by others, on the
// operations read as JSON lines from stdin, and writes one JSON result per
// line as each line arrives (so one process can serve a whole test).
// KEY_BLOWFISH and KEY_HMAC must be set before the require. With
// KEY_AES set, request and result use Paygate's AES variant instead, done
// with node's own crypto (the client knows only Blowfish).
const computop = require('computop-node-client');
const crypto = require('crypto');
const aesKey = process.env.KEY_AES ? Buffer.from(process.env.KEY_AES, 'utf8') : null;
const lines = require('readline').createInterface({ input: process.stdin, terminal: false });
lines.on('line', (line) => {
  if (!line) return;
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
});

// request builds an encrypted Paygate request the way a shop does:
// fields joined as Key=Value&…, the MAC over
// PayID*TransID*MerchantID*Amount*Currency appended, Len in bytes (as
// PHP's strlen counts), Data from the client's Blowfish (or node's AES).
function request(op) {
  const f = op.fields;
  const mac = computop.generateHash([f.PayID || '', f.TransID || '', f.MerchantID || '', f.Amount || '', f.Currency || ''].join('*'));
  const pairs = Object.entries(f).map(([k, v]) => k + '=' + v);
  pairs.push('MAC=' + (op.mac === undefined ? mac : op.mac));
  const plain = pairs.join('&');
  const data = aesKey ? encryptAES(plain) : computop.encryptBlowfish(plain);
  return { Len: Buffer.byteLength(plain), Data: data, MAC: mac };
}

// result decrypts a result's Data, cuts it to Len, parses it and checks
// its MAC over PayID*TransID*mid*Status*Code.
function result(op) {
  const decrypted = aesKey ? decryptAES(op.Data) : Buffer.from(computop.decryptBlowfish(op.Data));
  const plain = decrypted.subarray(0, Number(op.Len)).toString();
  const fields = computop.parseResponse(plain);
  const want = computop.generateHash([fields.PayID, fields.TransID, fields.mid, fields.Status, fields.Code].join('*'));
  return { fields, macOK: want === fields.MAC };
}

// AES-CBC with the key's size (16, 24 or 32 bytes), a random IV and PKCS#7
// (node's default padding); Data is hex(IV) "-" hex(cipher text).
function aesName() { return 'aes-' + aesKey.length * 8 + '-cbc'; }

function encryptAES(plain) {
  const iv = crypto.randomBytes(16);
  const c = crypto.createCipheriv(aesName(), aesKey, iv);
  const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return iv.toString('hex') + '-' + ct.toString('hex');
}

function decryptAES(data) {
  const [iv, ct] = data.split('-');
  const d = crypto.createDecipheriv(aesName(), aesKey, Buffer.from(iv, 'hex'));
  return Buffer.concat([d.update(Buffer.from(ct, 'hex')), d.final()]);
}
