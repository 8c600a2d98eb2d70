// Sprig's functions as Caddy's templates see them, Go's fmt verbs through
// printf, and Go's time layouts; expected values are what Go + Sprig print.
import { describe, expect, it } from 'vitest';
import { GoTime, parseTime } from '../../../src/go/template/gotime.js';
import { sprintf } from '../../../src/go/template/printf.js';
import { SPRIG } from '../../../src/go/template/sprig.js';
import { Template } from '../../../src/go/template/template.js';

const run = (src: string, data: unknown = null): string => Template.new('s').funcs(SPRIG).parse(src).execute(data);

describe('Sprig', () => {
  it.each([
    ['{{default "foo" ""}} {{default "foo" "bar"}} {{default 3 0}} {{"" | default "piped"}}', 'foo bar 3 piped'],
    ['{{empty ""}} {{empty 0}} {{empty (list)}} {{empty (dict)}} {{empty "x"}}', 'true true true true false'],
    ['{{coalesce 0 "" "x" "y"}} {{ternary "yes" "no" true}} {{ternary "yes" "no" false}}', 'x yes no'],
    ['{{trim " a "}}|{{trimAll "$" "$5.00$"}}|{{trimPrefix "-" "-x"}}|{{trimSuffix "-" "x-"}}', 'a|5.00|x|x'],
    ['{{upper "ab"}} {{lower "AB"}} {{title "hello world"}} {{untitle "Hello World"}}', 'AB ab Hello World hello world'],
    ['{{replace " " "-" "a b c"}} {{contains "b" "abc"}} {{hasPrefix "a" "abc"}} {{hasSuffix "c" "abc"}}', 'a-b-c true true true'],
    ['{{$s := split "$" "foo$bar$baz"}}{{$s._0}}{{$s._2}} {{splitList "," "a,b" | join "|"}} {{$n := splitn "$" 2 "a$b$c"}}{{$n._1}}', 'foobaz a|b b$c'],
    ['{{list 1 2 3 | join "-"}} {{first (list 1 2)}} {{last (list 1 2)}} {{rest (list 1 2 3)}} {{initial (list 1 2 3)}}', '1-2-3 1 2 [2 3] [1 2]'],
    ['{{append (list 1) 2}} {{prepend (list 1) 0}} {{uniq (list 1 1 2)}} {{has 2 (list 1 2)}} {{without (list 1 2 3) 2}} {{sortAlpha (list "b" "a")}} {{reverse (list 1 2 3)}}', '[1 2] [0 1] [1 2] true [1 3] [a b] [3 2 1]'],
    ['{{$d := dict "a" 1 "b" 2}}{{get $d "a"}} {{hasKey $d "b"}} {{keys $d | sortAlpha}} {{$_ := set $d "c" 3}}{{$d.c}} {{$_ := unset $d "a"}}{{len $d}}', '1 true [a b] 3 2'],
    ['{{toJson (dict "b" 1 "a" (list "<x>" nil))}} {{(fromJson "{\\"a\\":[1,2]}").a}} {{toPrettyJson (dict "a" 1)}}', '{"a":["\\u003cx\\u003e",null],"b":1} [1 2] {\n  "a": 1\n}'],
    ['{{add 1 2 3}} {{add1 5}} {{sub 5 7}} {{mul 2 3 4}} {{div 7 2}} {{mod 7 3}} {{max 1 5 3}} {{min 4 2 6}}', '6 6 -2 24 3 1 5 2'],
    ['{{int "42"}} {{int "x"}} {{float64 "1.5"}} {{atoi "12"}} {{toString 3}} {{floor 1.7}} {{ceil 1.2}} {{round 3.14159 2}}', '42 0 1.5 12 3 1 2 3.14'],
    ['{{b64enc "hello"}} {{b64dec "aGVsbG8="}} {{b32enc "hi"}} {{sha1sum "a"}} {{adler32sum "a"}}', 'aGVsbG8= hello NBUQ==== 86f7e437faa5a7fce15d1ddcb9eaeaea377667b8 6422626'],
    ['{{sha256sum "abc"}}', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['{{regexMatch "^a.c$" "abc"}} {{regexFind "b+" "abbbc"}} {{regexFindAll "a." "axayaz" -1}} {{regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W"}} {{regexReplaceAllLiteral "a" "aba" "$1"}} {{regexSplit "z+" "pizza" -1}}', 'true bbb [ax ay az] -W-xxW- $1b$1 [pi a]'],
    ['{{quote "a" 1 nil}} {{squote "a"}} {{cat "a" 1 nil "b"}} {{indent 2 "a\\nb"}}|{{nindent 2 "x"}}', '"a" "1" \'a\' a 1 b   a\n  b|\n  x'],
    ['{{repeat 3 "ab"}} {{substr 1 3 "hello"}} {{trunc 3 "hello"}} {{trunc -2 "hello"}} {{abbrev 5 "hello world"}} {{initials "Ada Lovelace"}} {{plural "one" "many" 2}}', 'ababab el hel lo he... AL many'],
    ['{{snakecase "FirstName"}} {{kebabcase "FirstName"}} {{camelcase "http_server"}} {{nospace "a b c"}}', 'first_name first-name HttpServer abc'],
    ['{{kindOf 1}} {{kindOf "x"}} {{kindOf (list)}} {{kindOf (dict)}} {{typeOf 1.5}} {{deepEqual (list 1) (list 1)}}', 'int string slice map float64 true'],
    ['{{base "/a/b.txt"}} {{dir "/a/b.txt"}} {{ext "b.tar.gz"}} {{clean "/a/../b/"}} {{isAbs "/x"}}', 'b.txt /a .gz /b true'],
    ['{{until 3}} {{untilStep 0 10 4}} {{seq 3}} {{seq 5 3}} {{chunk 2 (list 1 2 3)}} {{compact (list 0 1 "" 2)}}', '[0 1 2] [0 4 8] 1 2 3 5 4 3 [[1 2] [3]] [1 2]'],
    ['{{$m := merge (dict "a" 1) (dict "a" 2 "b" 3)}}{{$m.a}}{{$m.b}} {{$o := mergeOverwrite (dict "a" 1) (dict "a" 2)}}{{$o.a}} {{pick (dict "a" 1 "b" 2) "a"}} {{omit (dict "a" 1 "b" 2) "a"}} {{dig "x" "y" "def" (dict "x" (dict "y" 9))}}', '13 2 map[a:1] map[b:2] 9'],
    ['{{(urlParse "https://u:p@example.com:8443/a%20b?q=1#f").host}} {{urlJoin (dict "scheme" "https" "host" "x.org" "path" "/p")}}', 'example.com:8443 https://x.org/p'],
    ['{{slice (list 1 2 3) 1}} {{len uuidv4}} {{len (randAlphaNum 8)}}', '[2 3] 36 8'],
  ])('%s', (src, out) => {
    expect(run(src)).toBe(out);
  });

  it('dates: date, dateModify, toDate, unixEpoch, duration', () => {
    const t = new GoTime(Date.UTC(2024, 0, 2, 15, 4, 5), 0, 'UTC');
    expect(run('{{date "2006-01-02 15:04:05 MST Mon Jan" .}}', t.Local())).toBe(t.Local().Format('2006-01-02 15:04:05 MST Mon Jan'));
    expect(run('{{(dateModify "1.5h" .).UTC.Format "15:04"}}', t)).toBe('16:34');
    expect(run('{{(toDate "2006-01-02" "2017-12-31").Year}} {{unixEpoch .}} {{duration 95}} {{dateInZone "15:04 MST" . "UTC"}}', t)).toBe(`2017 ${t.Unix()} 1m35s 15:04 UTC`);
    expect(run('{{now.Year}}')).toBe(String(new Date().getFullYear()));
  });

  it('sprig slice replaces the builtin and refuses strings as Sprig does', () => {
    expect(() => run('{{slice "abc" 1}}')).toThrow('error calling slice: list should be type of slice or array but string');
  });
});

describe('fmt through printf', () => {
  it.each([
    ['%d|%5d|%-5d|%05d|%+d|%x|%X|%o|%b|%#x', [42, 42, 42, 42, 42, 255, 255, 8, 5, 255], '42|   42|42   |00042|+42|ff|FF|10|101|0xff'],
    ['%s|%10s|%-10s|%.2s|%q|%x', ['hi', 'hi', 'hi', 'hello', 'a"b', 'hi'], 'hi|        hi|hi        |he|"a\\"b"|6869'],
    ['%f|%.2f|%8.3f|%e|%g|%g|%G', [3.14159, 3.14159, 3.14159, 1234.5678, 0.000012, 1e21, 1e-7], '3.141590|3.14|   3.142|1.234568e+03|1.2e-05|1e+21|1E-07'],
    ['%v|%+v|%T|%T|%T|%t', [[1, 'a'], { a: 1 }, 'x', 1, 1.5, true], '[1 a]|map[a:1]|string|int|float64|true'],
    ['%c|%U|%%|%d', [65, 0x1f600, 'x'], 'A|U+1F600|%|%!d(string=x)'],
    ['%d %d', [1], '1 %!d(MISSING)'],
    ['%d', [1, 2], '1%!(EXTRA int=2)'],
  ] as const)('%s', (format, args, out) => {
    expect(sprintf(format, args)).toBe(out);
  });
});

describe('Go time layouts', () => {
  const t = new GoTime(Date.UTC(2009, 10, 10, 23, 4, 5, 123), 0, 'UTC');
  it.each([
    ['2006-01-02T15:04:05Z07:00', '2009-11-10T23:04:05Z'],
    ['Mon, 02 Jan 2006 15:04:05 -0700', 'Tue, 10 Nov 2009 23:04:05 +0000'],
    ['Jan _2 3:04PM', 'Nov 10 11:04PM'],
    ['January 2, 2006 .000 .999', 'November 10, 2009 .123 .123'],
    ['2006-01-02 15:04:05.999999999 -0700 MST', '2009-11-10 23:04:05.123 +0000 UTC'],
  ])('%s', (layout, out) => {
    expect(t.Format(layout)).toBe(out);
  });

  it('parses what it formats, and says why it cannot', () => {
    expect(parseTime('Mon, 02 Jan 2006 15:04:05 -0700', 'Tue, 10 Nov 2009 23:04:05 +0100').UnixMilli()).toBe(Date.UTC(2009, 10, 10, 22, 4, 5));
    expect(() => parseTime('2006-01-02', '2009/11/10')).toThrow('parsing time "2009/11/10" as "2006-01-02": cannot parse "/11/10" as "-"');
  });
});

describe('Sprig: the rarer ones', () => {
  it('b32 round trip, os paths, toDecimal, hello, shuffle keeps the letters', () => {
    expect(run('{{b32enc "hello" | b32dec}} {{osBase "/a/b"}} {{osDir "/a/b"}} {{toDecimal "777"}} {{hello}} {{shuffle "abc" | len}} {{randBytes 3 | len}}')).toBe('hello b /a 511 Hello! 3 4');
  });
});
