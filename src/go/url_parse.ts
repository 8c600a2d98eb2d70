// url.Parse lives in url.ts beside the request-target parser; this name stays for importers not yet moved (src/admin/address.ts).
export { goParseURL, GoURLError, urlHostPort, type GoURL } from './url.js';
