// SPDX-License-Identifier: MIT
//
// kmsclient.js: an independent grpc-js peer for the KmsNative plugin. Loads the repository's .proto files with
// @grpc/proto-loader, targets unix:///abs/path, and runs the same scenarios with the same flags as the grpc-go
// client (tests/interop/go/kmsclient). One line per check; exit 0 all passed, 1 a check failed, 2 bad usage.
'use strict';

const crypto = require('node:crypto');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const SCENARIO_NAMES = ['v2', 'v1', 'concurrent', 'unknown-method', 'tampered', 'no-message']; // "all"; deadline needs a slow server

function usage(message) {
  process.stderr.write(`kmsclient.js: ${message}\n` +
    'usage: node kmsclient.js -socket /abs/path.sock [-authority localhost|path|escaped]\n' +
    `         [-scenario all|deadline|${SCENARIO_NAMES.join('|')}] [-n 200] [-concurrency 16] [-timeout 3s]\n` +
    '         [-protos DIR]\n');
  process.exit(2);
}

// Go-style flags: -x v, --x v, -x=v, --x=v.
function parseFlags(argv) {
  const flags = {
    socket: '', authority: 'localhost', scenario: 'all', n: '200', concurrency: '16', timeout: '',
    protos: path.resolve(__dirname, '../../../src/KmsNative.Kms/Protos'),
  };
  for (let i = 0; i < argv.length; i++) {
    const match = /^--?([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!match || !(match[1] in flags)) {
      usage(`unknown argument ${argv[i]}`);
    }
    let value = match[2];
    if (value === undefined) {
      if (i + 1 >= argv.length) {
        usage(`flag needs a value: ${argv[i]}`);
      }
      value = argv[++i];
    }
    flags[match[1]] = value;
  }
  return flags;
}

// A Go duration subset: 3s, 200ms, 1m, 1.5s.
function parseDuration(text) {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!match) {
    usage(`bad duration ${text}`);
  }
  return Number(match[1]) * { ms: 1, s: 1000, m: 60000 }[match[2]];
}

function authorityFor(form, socket) {
  switch (form) {
    case 'localhost': return 'localhost';
    case 'path': return socket;
    case 'escaped': return encodeURIComponent(socket); // %2Ftmp%2Fx.sock
    default: return usage(`unknown -authority ${form} (want localhost, path or escaped)`);
  }
}

class Checker {
  constructor() { this.failed = false; }
  pass(text) { console.log(`ok   ${text}`); }
  fail(text) { this.failed = true; console.log(`FAIL ${text}`); }
}

function codeName(err) {
  if (!err) {
    return 'OK';
  }
  return Object.keys(grpc.status).find((k) => grpc.status[k] === err.code) ?? `code ${err.code}`;
}

function plaintexts() {
  return [
    Buffer.from('secret'),
    Buffer.from('1234'),
    Buffer.from('!@#$%^&*()_'),
    Buffer.from('5ee7d5b6-8a5d-4e4c-9c1a-3d1f6c0b2a77'),
    crypto.randomBytes(32),
  ];
}

function flipMiddleByte(buffer) {
  const copy = Buffer.from(buffer);
  copy[copy.length >> 1] ^= 0x01;
  return copy;
}

class KmsClient {
  constructor(flags) {
    const definition = protoLoader.loadSync(['v2.proto', 'v1beta1.proto'], {
      includeDirs: [flags.protos], keepCase: true, longs: String, enums: String, defaults: true,
    });
    const loaded = grpc.loadPackageDefinition(definition);
    const target = `unix://${flags.socket}`;
    const options = { 'grpc.default_authority': authorityFor(flags.authority, flags.socket) };
    this.authority = options['grpc.default_authority'];
    // One channel shared by the three stubs, as one kube-apiserver connection carries every call.
    this.v2 = new loaded.v2.KeyManagementService(target, grpc.credentials.createInsecure(), options);
    const channelOverride = this.v2.getChannel();
    this.v1 = new loaded.v1beta1.KeyManagementService(target, grpc.credentials.createInsecure(),
      { channelOverride });
    this.raw = new grpc.Client(target, grpc.credentials.createInsecure(), { channelOverride });
    this.timeoutMs = 3000;
  }

  call(stub, method, request, timeoutMs = this.timeoutMs) {
    return new Promise((resolve, reject) => {
      const metadata = new grpc.Metadata({ waitForReady: true });
      stub[method](request, metadata, { deadline: Date.now() + timeoutMs }, (err, response) => {
        if (err) {
          reject(err);
        } else {
          resolve(response);
        }
      });
    });
  }

  // A call the generated stubs cannot make: any path, raw bytes in and out.
  rawCall(methodPath, body, timeoutMs = this.timeoutMs) {
    return new Promise((resolve, reject) => {
      const metadata = new grpc.Metadata({ waitForReady: true });
      this.raw.makeUnaryRequest(methodPath, (b) => b, (b) => b, body, metadata,
        { deadline: Date.now() + timeoutMs }, (err, response) => (err ? reject(err) : resolve(response)));
    });
  }

  // A client-streaming call that ends its request stream with no message: what a unary server sees as a unary
  // call whose request never arrives.
  noMessageCall(methodPath, timeoutMs = this.timeoutMs) {
    return new Promise((resolve, reject) => {
      const metadata = new grpc.Metadata({ waitForReady: true });
      const call = this.raw.makeClientStreamRequest(methodPath, (b) => b, (b) => b, metadata,
        { deadline: Date.now() + timeoutMs }, (err, response) => (err ? reject(err) : resolve(response)));
      call.end();
    });
  }

  close() {
    this.v2.close();
  }
}

async function settle(promise) {
  try {
    return { value: await promise, err: null };
  } catch (err) {
    return { value: null, err };
  }
}

async function runV2(client, check) {
  const { value: status, err } = await settle(client.call(client.v2, 'Status', {}));
  if (err) {
    check.fail(`v2 Status: ${err.message}`);
    return;
  }
  if (status.version !== 'v2beta1' || status.healthz !== 'ok' || !status.key_id || status.key_id.length > 1024) {
    check.fail(`v2 Status: version=${status.version} healthz=${status.healthz} key_id=${status.key_id}; ` +
      'want v2beta1, ok, non-empty key_id <= 1 KiB');
    return;
  }
  check.pass(`v2 Status: version=${status.version} healthz=${status.healthz} key_id="${status.key_id}"`);
  const plains = plaintexts();
  for (let i = 0; i < plains.length; i++) {
    const uid = `interop-js-${i}`;
    const enc = await settle(client.call(client.v2, 'Encrypt', { plaintext: plains[i], uid }));
    if (enc.err) {
      check.fail(`v2 Encrypt #${i}: ${enc.err.message}`);
      continue;
    }
    const { ciphertext, key_id: keyId, annotations } = enc.value;
    if (ciphertext.length === 0 || ciphertext.length > 1024) {
      check.fail(`v2 Encrypt #${i}: ciphertext is ${ciphertext.length} bytes; want 1..1024`);
      continue;
    }
    if (keyId !== status.key_id) {
      check.fail(`v2 Encrypt #${i}: key_id "${keyId}" differs from Status key_id "${status.key_id}"`);
      continue;
    }
    if (Object.keys(annotations).length === 0) {
      check.fail(`v2 Encrypt #${i}: no annotations`);
      continue;
    }
    const dec = await settle(client.call(client.v2, 'Decrypt', { ciphertext, uid, key_id: keyId, annotations }));
    if (dec.err) {
      check.fail(`v2 Decrypt #${i}: ${dec.err.message}`);
      continue;
    }
    if (!dec.value.plaintext.equals(plains[i])) {
      check.fail(`v2 Decrypt #${i}: got ${dec.value.plaintext.toString('hex')}, want ${plains[i].toString('hex')}`);
      continue;
    }
    check.pass(`v2 Encrypt→Decrypt #${i}: ${plains[i].length}-byte plaintext, ${ciphertext.length}-byte ciphertext, ` +
      `${Object.keys(annotations).length} annotation(s)`);
  }
}

async function runV1(client, check) {
  const ver = await settle(client.call(client.v1, 'Version', { version: 'v1beta1' }));
  if (ver.err) {
    check.fail(`v1beta1 Version: ${ver.err.message}`);
    return;
  }
  if (ver.value.version !== 'v1beta1') {
    check.fail(`v1beta1 Version: version=${ver.value.version}; want v1beta1`);
    return;
  }
  check.pass(`v1beta1 Version: version=${ver.value.version}`);
  const plains = plaintexts();
  for (let i = 0; i < plains.length; i++) {
    const enc = await settle(client.call(client.v1, 'Encrypt', { version: 'v1beta1', plain: plains[i] }));
    if (enc.err || enc.value.cipher.length === 0) {
      check.fail(`v1beta1 Encrypt #${i}: ${enc.err ? enc.err.message : 'empty cipher'}`);
      continue;
    }
    const dec = await settle(client.call(client.v1, 'Decrypt', { version: 'v1beta1', cipher: enc.value.cipher }));
    if (dec.err) {
      check.fail(`v1beta1 Decrypt #${i}: ${dec.err.message}`);
      continue;
    }
    if (!dec.value.plain.equals(plains[i])) {
      check.fail(`v1beta1 Decrypt #${i}: got ${dec.value.plain.toString('hex')}, want ${plains[i].toString('hex')}`);
      continue;
    }
    check.pass(`v1beta1 Encrypt→Decrypt #${i}: ${plains[i].length}-byte plaintext, ${enc.value.cipher.length}-byte cipher`);
  }
}

async function runConcurrent(client, check, flags) {
  const n = Number(flags.n);
  const workers = Number(flags.concurrency);
  let next = 0;
  let ok = 0;
  let firstError = null;
  const started = process.hrtime.bigint();
  async function worker() {
    for (let i = next++; i < n; i = next++) {
      const plaintext = Buffer.from(`concurrent plaintext ${i}`);
      const uid = `interop-js-concurrent-${i}`;
      try {
        const enc = await client.call(client.v2, 'Encrypt', { plaintext, uid });
        const dec = await client.call(client.v2, 'Decrypt', { ...enc, uid });
        if (!dec.plaintext.equals(plaintext)) {
          throw new Error(`round trip #${i}: got ${dec.plaintext.toString()}, want ${plaintext.toString()}`);
        }
        ok++;
      } catch (err) {
        firstError ??= err;
      }
    }
  }
  await Promise.all(Array.from({ length: workers }, worker));
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (ok !== n) {
    check.fail(`concurrent: ${n - ok} of ${n} round trips failed over ${workers} workers; first error: ` +
      `${firstError && firstError.message}`);
    return;
  }
  check.pass(`concurrent: ${n} Encrypt→Decrypt round trips over ${workers} workers on one channel in ` +
    `${Math.round(elapsedMs)}ms`);
}

async function runDeadline(client, check, flags) {
  const shortMs = flags.timeout ? parseDuration(flags.timeout) : 200;
  const calls = [
    ['v2 Status', client.v2, 'Status', {}],
    ['v2 Encrypt', client.v2, 'Encrypt', { plaintext: Buffer.from('deadline') }],
    ['v1beta1 Encrypt', client.v1, 'Encrypt', { version: 'v1beta1', plain: Buffer.from('x') }],
  ];
  for (const [name, stub, method, request] of calls) {
    const started = Date.now();
    const { err } = await settle(client.call(stub, method, request, shortMs));
    const elapsed = Date.now() - started;
    if (!err || err.code !== grpc.status.DEADLINE_EXCEEDED) {
      check.fail(`deadline: ${name} with ${shortMs}ms timeout: got ${codeName(err)} ` +
        `(${err && err.message}); want DEADLINE_EXCEEDED`);
      continue;
    }
    check.pass(`deadline: ${name} with ${shortMs}ms timeout: DEADLINE_EXCEEDED after ${elapsed}ms`);
  }
  const after = await settle(client.call(client.v2, 'Status', {}));
  if (after.err || after.value.healthz !== 'ok') {
    check.fail(`deadline: v2 Status with ${client.timeoutMs}ms timeout after expired calls: ` +
      `${after.err ? after.err.message : `healthz=${after.value.healthz}`}`);
    return;
  }
  check.pass(`deadline: v2 Status with ${client.timeoutMs}ms timeout after expired calls: OK`);
}

async function runUnknownMethod(client, check) {
  for (const method of ['/v2.KeyManagementService/Rotate', '/v1beta1.KeyManagementService/Status',
    '/no.such.Service/Encrypt']) {
    const { err } = await settle(client.rawCall(method, Buffer.alloc(0)));
    if (!err || err.code !== grpc.status.UNIMPLEMENTED) {
      check.fail(`unknown method ${method}: got ${codeName(err)} (${err && err.message}); want UNIMPLEMENTED`);
      continue;
    }
    check.pass(`unknown method ${method}: UNIMPLEMENTED`);
  }
  const after = await settle(client.call(client.v2, 'Status', {}));
  if (after.err) {
    check.fail(`unknown method: v2 Status afterwards: ${after.err.message}`);
    return;
  }
  check.pass('unknown method: v2 Status afterwards: OK');
}

async function runTampered(client, check) {
  const plaintext = Buffer.from('tamper me');
  const uid = 'interop-js-tampered';
  const enc = await settle(client.call(client.v2, 'Encrypt', { plaintext, uid }));
  if (enc.err) {
    check.fail(`tampered: v2 Encrypt: ${enc.err.message}`);
    return;
  }
  const bad = await settle(client.call(client.v2, 'Decrypt',
    { ...enc.value, ciphertext: flipMiddleByte(enc.value.ciphertext), uid }));
  if (!bad.err) {
    check.fail(`tampered: v2 Decrypt of a flipped ciphertext byte succeeded (${bad.value.plaintext.length} bytes); ` +
      'want an error');
  } else {
    check.pass(`tampered: v2 Decrypt of a flipped ciphertext byte: ${codeName(bad.err)}`);
  }

  const enc1 = await settle(client.call(client.v1, 'Encrypt', { version: 'v1beta1', plain: plaintext }));
  if (enc1.err) {
    check.fail(`tampered: v1beta1 Encrypt: ${enc1.err.message}`);
    return;
  }
  const bad1 = await settle(client.call(client.v1, 'Decrypt',
    { version: 'v1beta1', cipher: flipMiddleByte(enc1.value.cipher) }));
  if (!bad1.err) {
    check.fail(`tampered: v1beta1 Decrypt of a flipped cipher byte succeeded (${bad1.value.plain.length} bytes); ` +
      'want an error');
  } else {
    check.pass(`tampered: v1beta1 Decrypt of a flipped cipher byte: ${codeName(bad1.err)}`);
  }

  const good = await settle(client.call(client.v2, 'Decrypt', { ...enc.value, uid }));
  if (good.err || !good.value.plaintext.equals(plaintext)) {
    check.fail(`tampered: v2 Decrypt of the original ciphertext afterwards: ${good.err ? good.err.message : 'wrong plaintext'}`);
    return;
  }
  check.pass('tampered: v2 Decrypt of the original ciphertext afterwards: OK');
}

// The server must answer a unary call whose request stream ends with no message with an error status, promptly.
async function runNoMessage(client, check) {
  for (const method of ['/v2.KeyManagementService/Encrypt', '/v2.KeyManagementService/Status',
    '/v1beta1.KeyManagementService/Encrypt']) {
    const started = Date.now();
    const { err } = await settle(client.noMessageCall(method));
    const elapsed = Date.now() - started;
    if (!err) {
      check.fail(`no request message to ${method}: answered OK; want an error status`);
    } else if (err.code === grpc.status.DEADLINE_EXCEEDED || err.code === grpc.status.CANCELLED) {
      check.fail(`no request message to ${method}: no answer before the ${client.timeoutMs}ms deadline (${err.message})`);
    } else {
      check.pass(`no request message to ${method}: ${codeName(err)} after ${elapsed}ms`);
    }
  }
  const after = await settle(client.call(client.v2, 'Status', {}));
  if (after.err) {
    check.fail(`no request message: v2 Status afterwards: ${after.err.message}`);
    return;
  }
  check.pass('no request message: v2 Status afterwards: OK');
}

const SCENARIOS = {
  v2: runV2, v1: runV1, concurrent: runConcurrent, deadline: runDeadline,
  'unknown-method': runUnknownMethod, tampered: runTampered, 'no-message': runNoMessage,
};

async function main() {
  const flags = parseFlags(process.argv.slice(2));
  if (!flags.socket || !path.isAbsolute(flags.socket)) {
    usage('-socket must be an absolute path');
  }
  let run;
  if (flags.scenario === 'all') {
    run = SCENARIO_NAMES;
  } else if (flags.scenario in SCENARIOS) {
    run = [flags.scenario];
  } else {
    usage(`unknown -scenario ${flags.scenario}`);
  }
  if (!(Number(flags.n) >= 1 && Number(flags.concurrency) >= 1)) {
    usage('-n and -concurrency must be positive integers');
  }
  const client = new KmsClient(flags);
  if (flags.timeout && flags.scenario !== 'deadline') {
    client.timeoutMs = parseDuration(flags.timeout);
  }
  const version = require('@grpc/grpc-js/package.json').version;
  console.log(`info target unix://${flags.socket} with :authority "${client.authority}" (grpc-js ${version})`);
  const check = new Checker();
  try {
    for (const name of run) {
      await SCENARIOS[name](client, check, flags);
    }
  } finally {
    client.close();
  }
  const verdict = check.failed ? 'FAIL' : 'PASS';
  console.log(`${verdict} scenario ${flags.scenario} with authority ${flags.authority}`);
  process.exitCode = check.failed ? 1 : 0;
}

main().catch((err) => {
  console.log(`FAIL ${err && err.stack ? err.stack : err}`);
  process.exitCode = 1;
});
