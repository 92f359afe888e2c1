import type { Rule } from '../../src/rule.js';
import hardcodedSecret from './hardcoded-secret.js';
import sqlInjection from './sql-injection.js';
import nosqlInjection from './nosql-injection.js';
import commandInjection from './command-injection.js';
import codeInjection from './code-injection.js';
import ssrf from './ssrf.js';
import pathTraversal from './path-traversal.js';
import committedEnvFile from './committed-env-file.js';
import weakPasswordHash from './weak-password-hash.js';
import jwtUnsafe from './jwt-unsafe.js';
import corsPermissive from './cors-permissive.js';
import tlsVerificationDisabled from './tls-verification-disabled.js';
import insecureRandomness from './insecure-randomness.js';
import timingUnsafeComparison from './timing-unsafe-comparison.js';
import sensitiveDataLogged from './sensitive-data-logged.js';
import unboundedRequestBody from './unbounded-request-body.js';
import insecureCookie from './insecure-cookie.js';
import plaintextSecretInManifest from './plaintext-secret-in-manifest.js';
import dockerfileSecret from './dockerfile-secret.js';
import containerRunsAsRoot from './container-runs-as-root.js';
import missingAuthorization from './missing-authorization.js';
import missingAuthRateLimit from './missing-auth-rate-limit.js';

export const SECURITY_RULES: Rule[] = [
  hardcodedSecret,
  sqlInjection,
  nosqlInjection,
  commandInjection,
  codeInjection,
  ssrf,
  pathTraversal,
  committedEnvFile,
  weakPasswordHash,
  jwtUnsafe,
  corsPermissive,
  tlsVerificationDisabled,
  insecureRandomness,
  timingUnsafeComparison,
  sensitiveDataLogged,
  unboundedRequestBody,
  insecureCookie,
  plaintextSecretInManifest,
  dockerfileSecret,
  containerRunsAsRoot,
  missingAuthorization,
  missingAuthRateLimit,
];
