// certmagic's rule for names a certificate can be issued for, shared by the
// adapter (automatic HTTPS) and the tls app (on-demand handshakes).

/** certmagic.SubjectQualifiesForCert: could any CA issue a certificate for this name? */
export function subjectQualifiesForCert(subj: string): boolean {
  return (
    subj.trim() !== '' &&
    !subj.startsWith('.') &&
    !subj.endsWith('.') &&
    (!subj.includes('*') || subj.startsWith('*.') || subj === '*') &&
    !/[()[\]{}<> \t\n"\\!@#$%^&|;'+=]/.test(subj)
  );
}
