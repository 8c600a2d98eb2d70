/**
 * @peculiar/x509, ready to use: its dependency injection (tsyringe) needs the
 * Reflect metadata polyfill loaded first, and it signs through WebCrypto,
 * which Node provides. Import x509 from here, never from the package.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
