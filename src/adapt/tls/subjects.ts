import { isIP } from 'node:net';
import { subjectQualifiesForCert } from '../../net/cert_subjects.js';

// certmagic's rules for which names can get certificates, and wildcard matching.

export { subjectQualifiesForCert };

function hostOnly(s: string): string {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end > 0) return s.slice(1, end);
  }
  const i = s.lastIndexOf(':');
  if (i > 0 && s.indexOf(':') === i) return s.slice(0, i);
  return s;
}


export function subjectIsIP(subj: string): boolean {
  const h = subj.startsWith('[') && subj.endsWith(']') ? subj.slice(1, -1) : subj;
  return isIP(h.split('%')[0]!) !== 0;
}

function isInternalIP(host: string): boolean {
  const v = isIP(host);
  if (v === 4) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  if (v === 6) {
    const h = host.toLowerCase();
    return h === '::1' || h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80');
  }
  return false;
}

/** certmagic.SubjectIsInternal: localhost, .localhost/.local/.internal/.home.arpa names, private IPs. */
export function subjectIsInternal(subj: string): boolean {
  let s = hostOnly(subj);
  if (s.endsWith('.')) s = s.slice(0, -1);
  s = s.toLowerCase();
  return (
    s === 'localhost' ||
    s.endsWith('.localhost') ||
    s.endsWith('.local') ||
    s.endsWith('.internal') ||
    s.endsWith('.home.arpa') ||
    isInternalIP(s)
  );
}

/** certmagic.SubjectQualifiesForPublicCert. */
export function subjectQualifiesForPublicCert(subj: string): boolean {
  return (
    subjectQualifiesForCert(subj) &&
    !subjectIsIP(subj) &&
    !subjectIsInternal(subj) &&
    (!subj.includes('*') ||
      (subj.split('*').length === 2 && subj.split('.').length > 2 && subj.length > 2 && subj.startsWith('*.')))
  );
}

/** certmagic.MatchWildcard: does `subject` match `wildcard` (which may just be equal)? */
export function matchWildcard(subject: string, wildcard: string): boolean {
  const s = subject.toLowerCase();
  const w = wildcard.toLowerCase();
  if (s === w) return true;
  if (!w.includes('*')) return false;
  const labels = s.split('.');
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === '') continue;
    labels[i] = '*';
    if (labels.join('.') === w) return true;
  }
  return false;
}
