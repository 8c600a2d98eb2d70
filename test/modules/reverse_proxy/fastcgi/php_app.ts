/**
 * A small PHP app for the FastCGI tests, written into a temp docroot: a
 * front controller (index.php), scripts that echo what PHP saw as JSON,
 * set status codes and headers, redirect, fail fatally, stream, and a
 * directory with its own index.php.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FILES: Record<string, string> = {
  'index.php': `<?php
header('Content-Type: application/json');
echo json_encode(['front' => true, 'script' => $_SERVER['SCRIPT_NAME'], 'uri' => $_SERVER['REQUEST_URI'], 'get' => $_GET]);
`,
  'info.php': `<?php
header('Content-Type: application/json');
$keys = ['SCRIPT_FILENAME', 'SCRIPT_NAME', 'PATH_INFO', 'PATH_TRANSLATED', 'DOCUMENT_ROOT', 'DOCUMENT_URI', 'REQUEST_URI',
  'QUERY_STRING', 'REQUEST_METHOD', 'REMOTE_ADDR', 'REMOTE_PORT', 'SERVER_NAME', 'SERVER_PORT', 'SERVER_PROTOCOL',
  'SERVER_SOFTWARE', 'GATEWAY_INTERFACE', 'REQUEST_SCHEME', 'HTTPS', 'CONTENT_TYPE', 'CONTENT_LENGTH', 'HTTP_HOST',
  'HTTP_X_CUSTOM', 'HTTP_X_FORWARDED_FOR', 'HTTP_X_FORWARDED_PROTO', 'HTTP_PROXY', 'APP_ENV', 'FROM_HEADER', 'SERVER_ADDR'];
$server = [];
foreach ($keys as $k) { if (isset($_SERVER[$k])) $server[$k] = $_SERVER[$k]; }
echo json_encode(['server' => $server, 'get' => $_GET, 'post' => $_POST, 'input' => file_get_contents('php://input')]);
`,
  'json.php': `<?php
header('Content-Type: application/json');
$in = json_decode(file_get_contents('php://input'), true);
echo json_encode(['type' => $_SERVER['CONTENT_TYPE'] ?? '', 'got' => $in, 'sum' => array_sum($in['numbers'] ?? [])]);
`,
  'upload.php': `<?php
header('Content-Type: application/json');
$out = ['post' => $_POST, 'files' => []];
foreach ($_FILES as $name => $f) {
  $out['files'][$name] = ['name' => $f['name'], 'error' => $f['error'], 'size' => $f['size'],
    'sha256' => $f['error'] === 0 ? hash_file('sha256', $f['tmp_name']) : null];
}
echo json_encode($out);
`,
  'status.php': `<?php
http_response_code((int)($_GET['code'] ?? 200));
header('X-From-PHP: yes');
header('Set-Cookie: a=1');
header('Set-Cookie: b=2', false);
echo 'status ' . http_response_code();
`,
  'redirect.php': `<?php
header('Location: /somewhere?x=1');
`,
  'fatal.php': `<?php
echo_this_function_does_not_exist();
`,
  'warn.php': `<?php
error_log('just a note from PHP');
echo 'fine';
`,
  'stream.php': `<?php
header('Content-Type: text/plain');
for ($i = 0; $i < 4; $i++) {
  echo "chunk $i\\n";
  flush();
  usleep(400000);
}
`,
  'slow.php': `<?php
sleep(3);
echo 'late';
`,
  'big.php': `<?php
header('Content-Type: application/octet-stream');
$block = str_repeat('0123456789abcdef', 4096);
for ($i = 0; $i < 256; $i++) echo $block;
`,
  'sub/index.php': `<?php
echo 'sub index';
`,
  'plain.txt': 'just text\n',
};

export interface PhpApp {
  root: string;
  remove(): void;
}

/** Writes the app's files under `root` (made if missing). */
export function writePhpAppInto(root: string): void {
  for (const [name, text] of Object.entries(FILES)) {
    const p = join(root, name);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
  }
}

export function writePhpApp(): PhpApp {
  const root = mkdtempSync(join(tmpdir(), 'tsweb-php-app-'));
  writePhpAppInto(root);
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
