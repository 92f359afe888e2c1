/**
 * Secret detection shared by the rules that look for credentials in code, env files,
 * manifests and Dockerfiles. Two signals: well-known token formats (precise on their
 * own) and high-entropy values assigned to secret-like names (needs both to fire).
 */

export interface TokenFormat {
  name: string;
  pattern: RegExp;
}

export const TOKEN_FORMATS: TokenFormat[] = [
  { name: 'AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/ },
  { name: 'GitHub fine-grained token', pattern: /\bgithub_pat_[A-Za-z0-9_]{60,}\b/ },
  { name: 'Slack token', pattern: /\bxox[abposr]-[0-9A-Za-z-]{10,}\b/ },
  { name: 'Stripe secret key', pattern: /\b[rs]k_live_[0-9A-Za-z]{20,}\b/ },
  { name: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { name: 'SendGrid API key', pattern: /\bSG\.[0-9A-Za-z_-]{22}\.[0-9A-Za-z_-]{43}\b/ },
  { name: 'npm token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/ },
  { name: 'private key', pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY( BLOCK)?-----/ },
  { name: 'database URL with a password', pattern: /\b(?:postgres(?:ql)?|mysql|mongodb(?:\+srv)?|redis|amqps?):\/\/[^:\s/'"@]+:([^@\s'"/]{6,})@[^\s'"]+/ },
];

/** Names that hold secrets; matched against the last segment of an identifier or key. */
export const SECRET_NAME = /(?:^|[_.-]|(?<=[a-z])(?=[A-Z]))(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|auth[_-]?token|credentials?|signing[_-]?key|encryption[_-]?key|webhook[_-]?secret|dsn)$/i;

const PLACEHOLDER =
  /^(?:x+|\*+|\.+|-+|_+|0+|changeme|change[_-]?me|example|sample|dummy|test|testing|secret|password|placeholder|redacted|none|null|undefined|todo|fixme|your[_-].*|my[_-].*|<.*>|\{\{.*\}\}|\$\{.*\}|\$[A-Z_][A-Z0-9_]*|%\(.*\)s|process\.env\..*)$/i;

export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Whether a literal assigned to a secret-like name looks like a real credential. */
export function looksLikeSecretValue(value: string): boolean {
  const v = value.trim();
  if (v.length < 12 || v.length > 500) return false;
  if (PLACEHOLDER.test(v)) return false;
  if (/\s/.test(v)) return false; // prose, not a credential
  if (/^(?:https?:\/\/|\/|\.\/|[a-z]+:\/\/)/i.test(v) && !/:[^@/]+@/.test(v)) return false; // URLs and paths
  if (/\$\{|\{\{|%s|\$\(/.test(v)) return false; // templates and interpolation
  if (/^[a-z]+(?:[._-][a-z]+)+$/.test(v)) return false; // dotted/snake identifiers like "auth.token.header"
  if (/^[A-Z][A-Z0-9_]+$/.test(v)) return false; // env var names: PASSWORD_FILE
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(v)).length;
  return classes >= 2 && shannonEntropy(v) >= 3.3;
}

export function findTokenFormat(text: string): { name: string; index: number; match: string } | undefined {
  for (const format of TOKEN_FORMATS) {
    const m = format.pattern.exec(text);
    if (m) return { name: format.name, index: m.index, match: m[0] };
  }
  return undefined;
}

/** Shows enough of a secret to find it, never enough to use it. */
export function mask(secret: string): string {
  if (secret.length <= 8) return '****';
  return `${secret.slice(0, 4)}…${secret.slice(-2)}`;
}
