// Drives the KmsNative Key Vault emulator with the official Azure SDK for JavaScript.
// Environment:
//   KMS_EMULATOR_URL       https://127.0.0.1:PORT (the emulator's ready line)
//   NODE_EXTRA_CA_CERTS    the emulator's CA file (--ca-out); node reads it at start-up
//   KMS_EMULATOR_TENANT_ID, KMS_EMULATOR_CLIENT_ID, KMS_EMULATOR_CLIENT_SECRET  (emulator defaults if unset)
// Exits 1 on the first mismatch, printing what differed.
import { ClientSecretCredential } from "@azure/identity";
import { CryptographyClient, KeyClient } from "@azure/keyvault-keys";
import { randomBytes } from "node:crypto";

const emulatorUrl = new URL(process.env.KMS_EMULATOR_URL ?? fail("KMS_EMULATOR_URL is not set"));
if (!process.env.NODE_EXTRA_CA_CERTS) {
  fail("NODE_EXTRA_CA_CERTS must name the emulator CA file");
}
const tenantId = process.env.KMS_EMULATOR_TENANT_ID ?? "11111111-2222-3333-4444-555555555555";
const clientId = process.env.KMS_EMULATOR_CLIENT_ID ?? "aaaaaaaa-bbbb-cccc-dddd-000000000001";
const clientSecret = process.env.KMS_EMULATOR_CLIENT_SECRET ?? "emulator-client-secret";

// The SDK wants a vault *host name*; localhost resolves to 127.0.0.1 and is in the emulator's certificate.
const vaultUrl = `https://localhost:${emulatorUrl.port}`;

// authorityHost: the emulator serves the AAD v2 token endpoint and the OpenID discovery document.
// disableInstanceDiscovery: msal-node asks login.microsoftonline.com (not the authority host) for instance
// metadata, which cannot be reached here; without it the credential fails with endpoints_resolution_error.
const credential = new ClientSecretCredential(tenantId, clientId, clientSecret, {
  authorityHost: emulatorUrl.origin,
  disableInstanceDiscovery: true,
});
// The challenge names resource https://vault.azure.net, which is not a parent domain of "localhost".
const clientOptions = { disableChallengeResourceVerification: true, retryOptions: { maxRetries: 0 } };
const keys = new KeyClient(vaultUrl, credential, clientOptions);

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

function check(condition, message) {
  if (!condition) {
    fail(message);
  }
  console.log(`ok - ${message}`);
}

const keyName = `js-interop-${Date.now()}`;
const created = await keys.createRsaKey(keyName, { keySize: 2048 });
check(created.name === keyName, `createRsaKey returns name ${created.name}`);
check(/^[0-9a-f]{32}$/.test(created.properties.version), `version is 32 hex chars (${created.properties.version})`);
check(created.id === `${vaultUrl}/keys/${keyName}/${created.properties.version}`, `kid uses the vault host (${created.id})`);
check(created.key.n.length === 256, "modulus is 256 bytes");
check(created.properties.enabled === true, "key is enabled");

const fetched = await keys.getKey(keyName);
check(fetched.id === created.id, "getKey returns the latest version");

const rotated = await keys.rotateKey(keyName);
check(rotated.properties.version !== created.properties.version, "rotateKey makes a new version");
const latest = await keys.getKey(keyName);
check(latest.id === rotated.id, "getKey follows the rotation");
const old = await keys.getKey(keyName, { version: created.properties.version });
check(old.id === created.id, "getKey with version returns that version");

const versions = [];
for await (const properties of keys.listPropertiesOfKeyVersions(keyName)) {
  versions.push(properties.version);
}
check(versions.length === 2 && versions.includes(created.properties.version) && versions.includes(rotated.properties.version),
  `listPropertiesOfKeyVersions lists both versions (${versions.join(",")})`);

let listed = false;
for await (const properties of keys.listPropertiesOfKeys()) {
  listed ||= properties.name === keyName;
}
check(listed, "listPropertiesOfKeys includes the key");

const crypto = new CryptographyClient(rotated.id, credential, clientOptions);
const plaintext = randomBytes(32);
for (const algorithm of ["RSA-OAEP-256", "RSA1_5", "RSA-OAEP"]) {
  const encrypted = await crypto.encrypt({ algorithm, plaintext });
  check(encrypted.result.length === 256, `${algorithm} encrypt gives 256 bytes`);
  check(encrypted.keyID === rotated.id, `${algorithm} encrypt names the key version`);
  const decrypted = await crypto.decrypt({ algorithm, ciphertext: encrypted.result });
  check(Buffer.compare(Buffer.from(decrypted.result), plaintext) === 0, `${algorithm} decrypt round-trips`);

  const wrapped = await crypto.wrapKey(algorithm, plaintext);
  const unwrapped = await crypto.unwrapKey(algorithm, wrapped.result);
  check(Buffer.compare(Buffer.from(unwrapped.result), plaintext) === 0, `${algorithm} wrapKey/unwrapKey round-trips`);
}

const disabled = await keys.updateKeyProperties(keyName, rotated.properties.version, { enabled: false });
check(disabled.properties.enabled === false, "updateKeyProperties disables the key");
try {
  await crypto.encrypt({ algorithm: "RSA-OAEP-256", plaintext });
  fail("encrypt with a disabled key succeeded");
} catch (error) {
  check(error.statusCode === 403 && error.code === "Forbidden", `disabled key gives 403 Forbidden (${error.statusCode} ${error.code})`);
}

try {
  await keys.getKey("no-such-key");
  fail("getKey of a missing key succeeded");
} catch (error) {
  check(error.statusCode === 404 && error.code === "KeyNotFound", `missing key gives 404 KeyNotFound (${error.statusCode} ${error.code})`);
}

console.log("js-keyvault interop: all checks passed");
