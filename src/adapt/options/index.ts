// Registration list of global options: one import per option module;
// simple.ts registers the one-parser options from a table.
// (`servers` is registered by the server options module, `order` by the
// directive order module.)
//
// Option values are JSON-ready, so the adapter can place them as they are:
//   admin: the top-level "admin" object; persist_config: 'off'
//   storage: the top-level "storage" object ({"module": ..., ...})
//   log: ConfigValue[] of 'custom_log' (NamedCustomLog), every `log` option so far
//   debug, local_certs, skip_install_trust: true
//   http_port, https_port: number; grace_period, shutdown_delay and the other
//     durations: nanoseconds; storage_clean_interval: ns or false ('off')
//   default_bind: [{class: 'bind', value: {addresses, protocols?}}]
//   metrics: the HTTP app's "metrics" object
//   workers: the HTTP app's "workers" (a tsweb extension): a number or 'auto'
//   events: AppOption('events', ...); filesystem: the "caddy.filesystems" app
//   acme_dns: a DNS provider object, or null (present but naked)
//   the TLS/PKI ones (email, acme_*, cert_issuer, dns, tls_resolvers, pki, ...)
//     are read by buildTLSApp/buildPKIApp in ../tlsapp.ts
import './acme_dns.js';
import './acme_eab.js';
import './admin.js';
import './auto_https.js';
import './cache.js';
import './cert_issuer.js';
import './default_bind.js';
import './dns.js';
import './ech.js';
import './events.js';
import './filesystem.js';
import './log.js';
import './metrics.js';
import './ocsp_stapling.js';
import './on_demand_tls.js';
import './persist_config.js';
import './pki.js';
import './preferred_chains.js';
import './renewal_window_ratio.js';
import './simple.js';
import './storage.js';
import './storage_check.js';
import './storage_clean_interval.js';
import './workers.js';
