import { ts } from '../../src/analyzers/code/ts.js';
import { defineRule } from '../../src/rule.js';
import type { CodeFile } from '../../src/analyzers/code/code-file.js';
import { callee, constInit, importOf, numberValue, replaceInLine, stringValue, unwrap } from '../../src/analyzers/code/ast.js';

const PASSWORD = /password|passwd|passphrase|^pwd$|Pwd$|^pass$|^pin$/i;
// Reset tokens, OTP codes and API keys are random: a fast hash of them is the right tool.
const RANDOM_SECRET = /token|reset|otp|code|key|nonce/i;
const FAST_HASHES = /^(?:md5|md4|sha1|sha-1|sha224|sha256|sha-256|sha384|sha512|sha-512|ripemd160)$/i;
const BCRYPT = /^(?:bcrypt|bcryptjs|@node-rs\/bcrypt)$/;

function mentionsPassword(e: ts.Expression, file: CodeFile): boolean {
  let hit = false;
  const visit = (n: ts.Node): void => {
    if (hit) return;
    if ((ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) && PASSWORD.test(n.text) && !/hash|digest/i.test(n.text) && !RANDOM_SECRET.test(n.text)) hit = true;
    else if (ts.isStringLiteralLike(n) && n.parent && ts.isElementAccessExpression(n.parent) && PASSWORD.test(n.text)) hit = true;
    else ts.forEachChild(n, visit);
  };
  visit(e);
  return hit && !!file;
}

/** The bcrypt cost argument and where its literal lives (the call, or the const it names). */
function costLiteral(arg: ts.Expression, file: CodeFile): ts.Expression | undefined {
  const a = unwrap(arg);
  if (ts.isNumericLiteral(a)) return a;
  if (ts.isIdentifier(a)) {
    const init = constInit(file, a.text);
    if (init && ts.isNumericLiteral(unwrap(init))) return unwrap(init);
  }
  return undefined;
}

export default defineRule({
  meta: {
    id: 'security/weak-password-hash',
    area: 'security',
    severity: 'error',
    title: 'Passwords hashed with a fast hash or a low bcrypt cost',
    guidance: 'Security Reference › Encryption',
    checklist: ['security.password-hashing'],
    description:
      'MD5 and the SHA family are built to be fast: after a database leak a single GPU tries billions of guesses per second against them, and unsalted ones fall to lookup tables. bcrypt below cost 12 is cheap enough to crack common passwords in bulk. Hash passwords with Argon2id, or bcrypt with cost 12 or more.',
    examples: {
      bad: [
        {
          path: 'src/auth/passwords.ts',
          code: "import { createHash } from 'node:crypto';\n\nexport function hashPassword(password: string, salt: string) {\n  return createHash('sha256').update(salt + password).digest('hex');\n}\n",
        },
        {
          path: 'src/auth/passwords.ts',
          code: "import bcrypt from 'bcrypt';\n\nconst SALT_ROUNDS = 10;\n\nexport async function hashPassword(password: string) {\n  return bcrypt.hash(password, SALT_ROUNDS);\n}\n",
        },
      ],
      good: [
        {
          path: 'src/auth/passwords.ts',
          code: "import bcrypt from 'bcrypt';\n\nconst SALT_ROUNDS = 12;\n\nexport async function hashPassword(password: string) {\n  return bcrypt.hash(password, SALT_ROUNDS);\n}\n",
        },
        {
          path: 'src/files/checksum.ts',
          code: "import { createHash } from 'node:crypto';\n\nexport function checksum(body: Buffer) {\n  return createHash('sha256').update(body).digest('hex');\n}\n",
          note: 'SHA-256 is right for checksums and integrity.',
        },
      ],
    },
  },
  code: {
    kinds: ['CallExpression'],
    visit(node, ctx) {
      const call = node as ts.CallExpression;
      const c = callee(call);
      if (!c) return;
      // createHash('sha256').update(password)
      if (c.name === 'update' && c.receiverNode && call.arguments[0]) {
        const inner = unwrap(c.receiverNode);
        if (!ts.isCallExpression(inner)) return;
        const ic = callee(inner);
        if (!ic || (ic.name !== 'createHash' && ic.name !== 'createHmac')) return;
        const algorithm = stringValue(inner.arguments[0], ctx.file);
        if (!algorithm || !FAST_HASHES.test(algorithm)) return;
        if (!mentionsPassword(call.arguments[0], ctx.file)) return;
        ctx.report({
          startLine: ctx.file.lineOf(call),
          message: `A password is hashed with ${algorithm.toUpperCase()}${ic.name === 'createHmac' ? ' (HMAC)' : ''}, a fast hash: after a database leak, attackers test billions of guesses per second against it. Use Argon2id (\`argon2.hash(password, { type: argon2.argon2id })\`) or \`bcrypt.hash(password, 12)\`, and rehash existing users at their next login.`,
        });
        return;
      }
      if (c.name !== 'hash' && c.name !== 'hashSync' && c.name !== 'genSalt' && c.name !== 'genSaltSync') return;
      const lib = c.receiver ? importOf(ctx.file, c.receiver) : importOf(ctx.file, c.name);
      if (!lib || !BCRYPT.test(lib.module)) return;
      const index = c.name === 'hash' || c.name === 'hashSync' ? 1 : c.name === 'genSalt' || c.name === 'genSaltSync' ? 0 : -1;
      if (index < 0 || !call.arguments[index]) return;
      const cost = numberValue(call.arguments[index], ctx.file);
      if (cost === undefined || cost >= 12) return;
      const literal = costLiteral(call.arguments[index], ctx.file);
      const fix = literal ? replaceInLine(ctx.file, literal, '12') : undefined;
      ctx.report({
        startLine: ctx.file.lineOf(call),
        message: `bcrypt cost ${cost} is cheap enough for a leaked hash table to be cracked in bulk; every step below 12 halves the attacker’s work. Use cost 12 or more (about 250 ms per hash on current servers).`,
        fix,
      });
    },
  },
});
