// Verifies a NUR access token with an independent JOSE implementation (the `jose` package),
// using nothing but the key set NUR publishes: node verify-token.mjs JWKS_URL TOKEN.
// Prints {"ok": true, "sub", "kid"} or {"ok": false, "error"}; also checks that every key's
// `kid` is its RFC 7638 thumbprint.
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from 'jose';

const [jwksUrl, token] = process.argv.slice(2);
const jwks = await (await fetch(jwksUrl)).json();
for (const k of jwks.keys) {
  const t = await calculateJwkThumbprint(k, 'sha256');
  if (t !== k.kid) {
    console.log(JSON.stringify({ ok: false, error: `kid ${k.kid} is not the thumbprint ${t}` }));
    process.exit(1);
  }
}
try {
  const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
    issuer: 'nur',
    algorithms: ['EdDSA'],
  });
  console.log(JSON.stringify({ ok: true, sub: payload.sub, kid: protectedHeader.kid }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: e.code ?? String(e) }));
  process.exitCode = 1;
}
