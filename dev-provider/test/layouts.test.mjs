// Every provider layout (provider-layouts.mjs) serves what its table entry
// says, as the end-to-end preset and check tests expect it: the discovery
// document at each mount's path (and no other), naming the issuer and the
// endpoints; a whole code + PKCE sign-in and a refresh through each mount's
// endpoints, the ID token verified with the layout's own key set; personal
// accounts (Entra) with their own tenant and issuer; and CORS for the app
// origin (none on nocors's token endpoint). Where the layout has DPoP, the
// discovery document says so and every token request carries a proof (the
// proof's htu is the mount's URL, prefix and all); where PAR is required,
// the sign-in goes through it.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createLocalJWKSet, jwtVerify } from 'jose';

import { DPOP_ALGS } from '../configuration.mjs';
import { dpopFetch, dpopKey } from '../dpop-proof.mjs';
import { LAYOUTS, PORTED_LAYOUTS, describeMount, mountsOf } from '../provider-layouts.mjs';
import { APP_ORIGIN, CLIENT_ID, refresh, signIn, startProvider } from './client.mjs';

const ALL_ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'revocation_endpoint', 'end_session_endpoint', 'pushed_authorization_request_endpoint'];

for (const name of PORTED_LAYOUTS) {
  const layout = LAYOUTS[name];
  describe(`layout ${name}`, () => {
    let provider;
    before(async () => { provider = await startProvider({ layout: name }); });
    after(() => provider.close());
    const url = (p) => `${provider.origin}${p}`;
    const tokenCors = !layout.noCorsEndpoints?.includes('token');
    const dpop = layout.dpop !== false;
    const tokenType = dpop ? 'DPoP' : 'Bearer';
    /** A sign-in at a mount's `endpoints` (through PAR where required), with a new DPoP key where the layout has DPoP. */
    const signInAt = async (endpoints, options = {}) => {
      const key = dpop ? await dpopKey() : undefined;
      const par = layout.par === 'required' ? url(endpoints.pushed_authorization_request_endpoint) : undefined;
      const flow = await signIn({ authorizationEndpoint: url(endpoints.authorization_endpoint), tokenEndpoint: url(endpoints.token_endpoint), par, dpop: key, ...options });
      return Object.assign(flow, { key });
    };

    for (const mount of mountsOf(layout)) {
      const { discoveryPath, issuerPath, endpoints } = describeMount(layout, mount);
      const where = mount.prefix || '/';

      if (discoveryPath) {
        test(`${where}: discovery at ${discoveryPath} names issuer ${issuerPath || '(origin)'} and the endpoints`, async () => {
          const res = await fetch(url(discoveryPath), { headers: { origin: APP_ORIGIN } });
          assert.equal(res.status, 200);
          assert.equal(res.headers.get('access-control-allow-origin'), APP_ORIGIN);
          const doc = await res.json();
          assert.equal(doc.issuer, url(issuerPath));
          for (const member of ALL_ENDPOINTS) {
            assert.equal(doc[member], endpoints[member] === undefined ? undefined : url(endpoints[member]), member);
          }
          assert.deepEqual(doc.code_challenge_methods_supported, layout.pkceMethods ?? ['S256']);
          assert.ok(doc.token_endpoint_auth_methods_supported.includes('none'));
          assert.equal(doc.authorization_response_iss_parameter_supported, layout.omitAuthorizationIss ? undefined : true);
          assert.deepEqual(doc.dpop_signing_alg_values_supported, dpop ? DPOP_ALGS : undefined);
          assert.equal(doc.require_pushed_authorization_requests, layout.par === 'required' ? true : undefined);
        });
      }

      test(`${where}: code + PKCE sign-in and a refresh at the layout's endpoints`, async () => {
        const flow = await signInAt(endpoints);
        assert.equal(flow.location.searchParams.get('iss'), layout.omitAuthorizationIss ? null : provider.issuer);
        assert.equal(flow.tokenStatus, 200, JSON.stringify(flow.tokens));
        assert.equal(flow.tokens.token_type, tokenType);
        assert.equal(flow.tokenHeaders.get('access-control-allow-origin'), tokenCors ? APP_ORIGIN : null);
        const jwks = await (await fetch(url(endpoints.jwks_uri), { headers: { origin: APP_ORIGIN } })).json();
        const { payload } = await jwtVerify(flow.tokens.id_token, createLocalJWKSet(jwks), {
          issuer: provider.issuer, audience: CLIENT_ID, algorithms: ['RS256'],
        });
        assert.equal(payload.sub, 'alice');
        assert.equal(payload.nonce, flow.nonce);
        for (const [claim, value] of Object.entries(layout.extraIdClaims ?? {})) assert.equal(payload[claim], value, claim);
        const refreshed = await refresh(url(endpoints.token_endpoint), flow.tokens.refresh_token, APP_ORIGIN, flow.key);
        assert.equal(refreshed.status, 200);
        assert.equal(refreshed.body.token_type, tokenType);
        assert.notEqual(refreshed.body.refresh_token, flow.tokens.refresh_token);
        if (endpoints.userinfo_endpoint) {
          const userinfo = url(endpoints.userinfo_endpoint);
          const token = refreshed.body.access_token;
          const res = await (dpop
            ? dpopFetch(flow.key, userinfo, { headers: { origin: APP_ORIGIN } }, { accessToken: token })
            : fetch(userinfo, { headers: { authorization: `Bearer ${token}`, origin: APP_ORIGIN } }));
          assert.equal(res.status, 200);
          assert.equal((await res.json()).sub, 'alice');
        }
      });
    }

    if (layout.mounts) {
      test('no discovery document outside its mounts, and not the root layout\'s paths', async () => {
        const discoveries = new Set(layout.mounts.map((m) => m.discovery).filter(Boolean));
        for (const p of ['/.well-known/openid-configuration', ...layout.mounts.map((m) => `${m.prefix}/.well-known/openid-configuration`)]) {
          if (discoveries.has(p)) continue;
          assert.equal((await fetch(url(p))).status, 404, p);
        }
        if (layout.issuerPath.length > 1) {
          assert.equal((await fetch(url('/token'), { method: 'POST' })).status, 404);
        }
      });
    }

    if (layout.personalAccounts) {
      const { tid, issuerPath, example } = layout.personalAccounts;
      test(`a personal account (${example}): the tid and issuer of its tenant, in the code exchange's and the refresh's ID tokens, signed with the layout's key`, async () => {
        const mount = mountsOf(layout).find((m) => m.issuerPath === issuerPath);
        const { endpoints } = describeMount(layout, mount);
        const flow = await signInAt(endpoints, { user: example });
        assert.equal(flow.tokenStatus, 200, JSON.stringify(flow.tokens));
        const keys = createLocalJWKSet(await (await fetch(url(endpoints.jwks_uri))).json());
        const expected = { issuer: url(issuerPath), audience: CLIENT_ID, algorithms: ['RS256'] };
        const { payload } = await jwtVerify(flow.tokens.id_token, keys, expected);
        assert.equal(payload.tid, tid);
        assert.equal(payload.sub, example);
        assert.equal(payload.nonce, flow.nonce);
        const refreshed = await refresh(url(endpoints.token_endpoint), flow.tokens.refresh_token, APP_ORIGIN, flow.key);
        assert.equal(refreshed.status, 200);
        const { payload: again } = await jwtVerify(refreshed.body.id_token, keys, expected);
        assert.equal(again.tid, tid);
        assert.equal(again.sub, example);
      });
    }

    test('a made-up code: invalid_grant, readable from the app origin unless the token endpoint has no CORS', async () => {
      const { endpoints } = describeMount(layout);
      const probe = await fetch(url(endpoints.token_endpoint), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APP_ORIGIN },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'made-up', client_id: CLIENT_ID, redirect_uri: `${APP_ORIGIN}/callback`, code_verifier: 'a'.repeat(43) }),
      });
      assert.equal(probe.status, 400);
      assert.equal((await probe.json()).error, 'invalid_grant');
      assert.equal(probe.headers.get('access-control-allow-origin'), tokenCors ? APP_ORIGIN : null);
    });
  });
}
