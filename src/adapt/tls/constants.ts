/** caddytls.ConnectionPolicy's JSON field order. */
export const CONNECTION_POLICY_KEYS = [
  'match',
  'certificate_selection',
  'cipher_suites',
  'curves',
  'alpn',
  'protocol_min',
  'protocol_max',
  'drop',
  'client_authentication',
  'default_sni',
  'fallback_sni',
  'insecure_secrets_log',
] as const;

/** TLS versions caddytls accepts (SupportedProtocols). */
export const SUPPORTED_PROTOCOLS = new Set(['tls1.2', 'tls1.3']);

/** Go's crypto/tls.CipherSuites(): the names caddytls accepts. */
export const SUPPORTED_CIPHER_SUITES = new Set([
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
]);

/** caddytls.SupportedCurves. */
export const SUPPORTED_CURVES = new Set(['x25519', 'secp256r1', 'secp384r1', 'secp521r1', 'x25519mlkem768']);

/** Key types certmagic can generate. */
export const KEY_TYPES = new Set(['ed25519', 'p256', 'p384', 'rsa2048', 'rsa4096']);
