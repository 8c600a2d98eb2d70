/**
 * Content-Type by file extension, as Go's mime.TypeByExtension answers on a
 * Debian system (what Caddy sends): Go's built-in table first, then the
 * common entries of /etc/mime.types. Text types get `charset=utf-8`, as Go
 * adds it. A fixed table rather than reading /etc/mime.types so that the
 * answer does not depend on the machine. Unknown extensions get no
 * Content-Type at all (Caddy refuses to let the client sniff).
 */

const table: Record<string, string> = {
  // Go's builtinTypes (these win over the system file).
  '.avif': 'image/avif',
  '.css': 'text/css',
  '.gif': 'image/gif',
  '.htm': 'text/html',
  '.html': 'text/html',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.mjs': 'text/javascript',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.webp': 'image/webp',
  '.xml': 'text/xml',
  // Debian's /etc/mime.types (mailcap / media-types package).
  '.7z': 'application/x-7z-compressed',
  '.aac': 'audio/aac',
  '.apk': 'application/vnd.android.package-archive',
  '.asc': 'application/pgp-keys',
  '.atom': 'application/atom+xml',
  '.avi': 'video/x-msvideo',
  '.bin': 'application/octet-stream',
  '.bmp': 'image/bmp',
  '.c': 'text/x-csrc',
  '.crt': 'application/x-x509-ca-cert',
  '.csv': 'text/csv',
  '.deb': 'application/vnd.debian.binary-package',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.eot': 'application/vnd.ms-fontobject',
  '.epub': 'application/epub+zip',
  '.exe': 'application/x-msdos-program',
  '.flac': 'audio/flac',
  '.gz': 'application/gzip',
  '.h': 'text/x-chdr',
  '.heic': 'image/heic',
  '.ico': 'image/vnd.microsoft.icon',
  '.ics': 'text/calendar',
  '.iso': 'application/x-iso9660-image',
  '.jar': 'application/java-archive',
  '.jsonld': 'application/ld+json',
  '.jxl': 'image/jxl',
  '.m4a': 'audio/mp4',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.mkv': 'video/x-matroska',
  '.mov': 'video/quicktime',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
  '.mpeg': 'video/mpeg',
  '.oga': 'audio/ogg',
  '.ogg': 'audio/ogg',
  '.ogv': 'video/ogg',
  '.opus': 'audio/ogg',
  '.otf': 'font/otf',
  '.pem': 'application/pem-certificate-chain',
  '.ppt': 'application/vnd.ms-powerpoint',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  '.py': 'text/x-python',
  '.rar': 'application/vnd.rar',
  '.rss': 'application/x-rss+xml',
  '.rtf': 'application/rtf',
  '.sh': 'application/x-sh',
  '.sig': 'application/pgp-signature',
  '.srt': 'text/plain',
  '.tar': 'application/x-tar',
  '.text': 'text/plain',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain',
  '.vtt': 'text/vtt',
  '.wav': 'audio/x-wav',
  '.webm': 'video/webm',
  '.webmanifest': 'application/manifest+json',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.xhtml': 'application/xhtml+xml',
  '.xls': 'application/vnd.ms-excel',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.xsl': 'application/xslt+xml',
  '.xz': 'application/x-xz',
  '.zip': 'application/zip',
  '.zst': 'application/zstd',
};

// Go's setExtensionType: text/* without a charset gets charset=utf-8.
const types = new Map<string, string>();
for (const [ext, type] of Object.entries(table)) {
  types.set(ext, type.startsWith('text/') && !type.includes('charset') ? `${type}; charset=utf-8` : type);
}

/** filepath.Ext: from the last dot of the last element ('' if none). */
export function extOf(filename: string): string {
  for (let i = filename.length - 1; i >= 0; i--) {
    const c = filename.charCodeAt(i);
    if (c === 47) return '';
    if (c === 46) return filename.slice(i);
  }
  return '';
}

/** mime.TypeByExtension: exact match first, then the lower-cased extension; '' when unknown. */
export function typeByExtension(filename: string): string {
  const ext = extOf(filename);
  if (ext === '') return '';
  return types.get(ext) ?? types.get(ext.toLowerCase()) ?? '';
}
