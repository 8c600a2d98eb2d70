// Go's text/template execution, case by case from Go's own exec_test.go
// (src/text/template/exec_test.go) where the data translates to JavaScript:
// structs are class instances, maps plain objects, funcs JavaScript
// functions. Each case: name, template, expected output, and whether it
// executes without error.
import { describe, expect, it } from 'vitest';
import { goFunc } from '../../../src/go/template/builtins.js';
import { Template } from '../../../src/go/template/template.js';

class U {
  V = 'v';
  TrueFalse(b: boolean): string {
    return b ? 'true' : '';
  }
}

class T {
  True = true;
  I = 17;
  U16 = 16;
  X = 'x';
  FloatZero = 0;
  U = new U();
  MSI: Record<string, number> = { one: 1, two: 2, three: 3 };
  MSIone: Record<string, number> = { one: 1 };
  MSIEmpty: Record<string, number> = {};
  MXI: Record<string, unknown> = {};
  SMSI = [{ one: 1, two: 2 }, { eleven: 11, twelve: 12 }];
  SI = [3, 4, 5];
  SIEmpty: number[] = [];
  SB = [true, false];
  Empty0: unknown = null;
  Empty3: unknown = [7, 8];
  Empty4: unknown = new U();
  PSI = [21, 22, 23];
  BinaryFunc = (a: string, b: string) => `[${a}=${b}]`;
  VariadicFunc = goFunc(0, Infinity, (...s) => `<${s.join('+')}>`);
  ErrFunc = () => 'bla';
  Method0(): string {
    return 'M0';
  }
  Method1(a: number): number {
    return a;
  }
  Method2(a: number, b: string): string {
    return `Method2: ${a} ${b}`;
  }
  MAdd(a: number, b: number[]): number[] {
    return b.map((x) => x + a);
  }
  GetU(): U {
    return this.U;
  }
  MyError(fail: boolean): boolean {
    if (fail) throw new Error('myError');
    return false;
  }
  Copy(): T {
    return this;
  }
}

const tVal = new T();

const funcs = {
  add: goFunc(2, 2, (a, b) => (a as number) + (b as number)),
  echo: goFunc(1, 1, (a) => a),
  makemap: goFunc(0, Infinity, (...a) => {
    const m: Record<string, unknown> = {};
    for (let i = 0; i < a.length; i += 2) m[String(a[i])] = a[i + 1];
    return m;
  }),
  mapOfThree: goFunc(0, 0, () => ({ three: 3 })),
  zeroArgs: goFunc(0, 0, () => 'zeroArgs'),
  oneArg: goFunc(1, 1, (a) => 'oneArg=' + String(a)),
  twoArgs: goFunc(2, 2, (a, b) => 'twoArgs=' + String(a) + String(b)),
};

type Case = [name: string, input: string, output: string, data: unknown, ok: boolean];

const cases: Case[] = [
  ['empty', '', '', null, true],
  ['text', 'some text', 'some text', null, true],
  ['nil action', '{{nil}}', '', null, false],
  // Ideal constants.
  ['ideal int', '{{typeOf 3}}', 'int', 0, true],
  ['ideal float', '{{typeOf 1.5}}', 'float64', 0, true],
  ['ideal exp float', '{{typeOf 1e1}}', 'int', 0, true],
  ['ideal char', "{{printf `%c` 'x'}}", 'x', 0, true],
  // Fields of structs.
  ['.X', '-{{.X}}-', '-x-', tVal, true],
  ['.U.V', '-{{.U.V}}-', '-v-', tVal, true],
  // Fields on maps.
  ['map .one', '{{.MSI.one}}', '1', tVal, true],
  ['map .two', '{{.MSI.two}}', '2', tVal, true],
  ['map .NO', '{{.MSI.NO}}', '<no value>', tVal, true],
  ['map .one interface', '{{.MXI.one}}', '<no value>', tVal, true],
  ['map .WRONG args', '{{.MSI.one 1}}', '', tVal, false],
  ['map .WRONG type', '{{.MII.one}}', '', tVal, false],
  // Dots of all kinds to test basic evaluation.
  ['dot int', '<{{.}}>', '<13>', 13, true],
  ['dot float', '<{{.}}>', '<15.1>', 15.1, true],
  ['dot bool', '<{{.}}>', '<true>', true, true],
  ['dot string', '<{{.}}>', '<hello>', 'hello', true],
  ['dot slice', '<{{.}}>', '<[-1 -2 -3]>', [-1, -2, -3], true],
  ['dot map', '<{{.}}>', '<map[two:22]>', { two: 22 }, true],
  ['dot struct', '<{{.}}>', '<{7 seven}>', { __proto__: { constructor: Object }, a: 7, b: 'seven' } as unknown, true],
  // Variables.
  ['$ int', '{{$}}', '123', 123, true],
  ['$.I', '{{$.I}}', '17', tVal, true],
  ['$.U.V', '{{$.U.V}}', 'v', tVal, true],
  ['declare in action', '{{$x := $.U.V}}{{$x}}', 'v', tVal, true],
  ['simple assignment', '{{$x := 2}}{{$x = 3}}{{$x}}', '3', tVal, true],
  ['nested assignment', '{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{$x}}', '3', tVal, true],
  ['nested assignment changes the last declaration', '{{$x := 1}}{{if true}}{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{end}}{{$x}}', '1', tVal, true],
  // Type with String method.
  ['V{6666}.String()', '-{{.}}-', '-<6666>-', new (class V { String() { return '<6666>'; } })(), true],
  // Pointers and nil.
  ['nil value in map', '{{.Empty0}}', '<no value>', tVal, true],
  // Method calls.
  ['.Method0', '-{{.Method0}}-', '-M0-', tVal, true],
  ['.Method1(1234)', '-{{.Method1 1234}}-', '-1234-', tVal, true],
  ['.Method1(.I)', '-{{.Method1 .I}}-', '-17-', tVal, true],
  ['.Method2(3, .X)', '-{{.Method2 3 .X}}-', '-Method2: 3 x-', tVal, true],
  ['.Method2(.U16, `str`)', '-{{.Method2 .U16 `str`}}-', '-Method2: 16 str-', tVal, true],
  ['.Method2(.U16, $x)', '{{if $x := .X}}-{{.Method2 .U16 $x}}{{end}}-', '-Method2: 16 x-', tVal, true],
  ['method on var', '{{if $x := .}}-{{$x.Method2 .U16 $x.X}}{{end}}-', '-Method2: 16 x-', tVal, true],
  ['method on chained var', '{{range .MSIone}}{{if $.U.TrueFalse $.True}}{{$.U.TrueFalse $.True}}{{else}}WRONG{{end}}{{end}}', 'true', tVal, true],
  ['chained method', '{{range .MSIone}}{{if $.GetU.TrueFalse $.True}}{{$.U.TrueFalse $.True}}{{else}}WRONG{{end}}{{end}}', 'true', tVal, true],
  ['chained method on variable', '{{with $x := .}}{{with .SI}}{{$.GetU.TrueFalse $.True}}{{end}}{{end}}', 'true', tVal, true],
  // Function call builtin.
  ['.BinaryFunc', '{{call .BinaryFunc `1` `2`}}', '[1=2]', tVal, true],
  ['.VariadicFunc0', '{{call .VariadicFunc}}', '<>', tVal, true],
  ['.VariadicFunc2', '{{call .VariadicFunc `he` `llo`}}', '<he+llo>', tVal, true],
  ['if .BinaryFunc call', '{{ if .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{end}}', '[1=2]', tVal, true],
  ['if not .BinaryFunc call', '{{ if not .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{else}}No{{end}}', 'No', tVal, true],
  ['.ErrFunc', '{{call .ErrFunc}}', 'bla', tVal, true],
  ['call nil', '{{call nil}}', '', tVal, false],
  ['.BinaryFuncTooFew', '{{call .BinaryFunc `1`}}', '', tVal, false],
  ['.BinaryFuncTooMany', '{{call .BinaryFunc `1` `2` `3`}}', '', tVal, false],
  // Pipelines.
  ['pipeline', '-{{.Method0 | .Method2 .U16}}-', '-Method2: 16 M0-', tVal, true],
  ['pipeline func', '-{{call .VariadicFunc `llo` | call .VariadicFunc `he` }}-', '-<he+<llo>>-', tVal, true],
  // Parenthesized expressions.
  ['parens in pipeline', '{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}', '1 5 15', tVal, true],
  ['parens: $ in paren', '{{($).X}}', 'x', tVal, true],
  ['parens: $.GetU in paren', '{{($.GetU).V}}', 'v', tVal, true],
  ['parens: $ in paren in pipe', '{{($ | echo).X}}', 'x', tVal, true],
  ['parens: spaces and args', '{{(makemap "up" "down" "left" "right").left}}', 'right', tVal, true],
  // If.
  ['if true', '{{if true}}TRUE{{end}}', 'TRUE', tVal, true],
  ['if false', '{{if false}}TRUE{{else}}FALSE{{end}}', 'FALSE', tVal, true],
  ['if nil', '{{if nil}}TRUE{{end}}', '', tVal, false],
  ['if 1', '{{if 1}}NON-ZERO{{else}}ZERO{{end}}', 'NON-ZERO', tVal, true],
  ['if 0', '{{if 0}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['if 1.5', '{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}', 'NON-ZERO', tVal, true],
  ['if 0.0', '{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['if emptystring', '{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['if string', '{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY', tVal, true],
  ['if emptyslice', '{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['if slice', '{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY', tVal, true],
  ['if emptymap', '{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['if map', '{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY', tVal, true],
  ['if map unset', '{{if .MXI.none}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['if map not unset', '{{if not .MXI.none}}ZERO{{else}}NON-ZERO{{end}}', 'ZERO', tVal, true],
  ['if $x with $y int', '{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}', 'true,17', tVal, true],
  ['if $x with $x int', '{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}', '17,true', tVal, true],
  ['if else if', '{{if false}}FALSE{{else if true}}TRUE{{end}}', 'TRUE', tVal, true],
  ['if else chain', '{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}', '3', tVal, true],
  // Print etc.
  ['print', '{{print "hello, print"}}', 'hello, print', tVal, true],
  ['print 123', '{{print 1 2 3}}', '1 2 3', tVal, true],
  ['print nil', '{{print nil}}', '<nil>', tVal, true],
  ['println', '{{println 1 2 3}}', '1 2 3\n', tVal, true],
  ['printf int', '{{printf "%04x" 127}}', '007f', tVal, true],
  ['printf float', '{{printf "%g" 3.5}}', '3.5', tVal, true],
  ['printf string', '{{printf "%s" "hello"}}', 'hello', tVal, true],
  ['printf function', '{{printf "%#q" zeroArgs}}', '`zeroArgs`', tVal, true],
  ['printf field', '{{printf "%s" .U.V}}', 'v', tVal, true],
  ['printf method', '{{printf "%s" .Method0}}', 'M0', tVal, true],
  ['printf dot', '{{with .I}}{{printf "%d" .}}{{end}}', '17', tVal, true],
  ['printf var', '{{with $x := .I}}{{printf "%d" $x}}{{end}}', '17', tVal, true],
  // HTML.
  ['html', '{{html "<script>alert(\\"XSS\\");</script>"}}', '&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;', null, true],
  ['html pipeline', '{{printf "<script>alert(\\"XSS\\");</script>" | html}}', '&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;', null, true],
  // JavaScript.
  ['js', '{{js .}}', "It\\'d be nice.", "It'd be nice.", true],
  // URL query.
  ['urlquery', '{{"http://www.example.org/"|urlquery}}', 'http%3A%2F%2Fwww.example.org%2F', null, true],
  // Booleans.
  ['not', '{{not true}} {{not false}}', 'false true', null, true],
  ['and', '{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}', 'false 0 0 1', null, true],
  ['or', '{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}', '0 1 true 1', null, true],
  ['boolean if', '{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}', 'TRUE', tVal, true],
  ['boolean if not', '{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}', 'FALSE', null, true],
  ['and short-circuits', '{{and false (call nil)}}', 'false', null, true],
  ['or short-circuits', '{{or true (call nil)}}', 'true', null, true],
  // Indexing.
  ['slice[0]', '{{index .SI 0}}', '3', tVal, true],
  ['slice[1]', '{{index .SI 1}}', '4', tVal, true],
  ['slice[HUGE]', '{{index .SI 10}}', '', tVal, false],
  ['slice[WRONG]', '{{index .SI `hello`}}', '', tVal, false],
  ['slice[nil]', '{{index .SI nil}}', '', tVal, false],
  ['map[one]', '{{index .MSI `one`}}', '1', tVal, true],
  ['map[two]', '{{index .MSI `two`}}', '2', tVal, true],
  ['double index', '{{index .SMSI 1 `eleven`}}', '11', tVal, true],
  ['nil[1]', '{{index nil 1}}', '', tVal, false],
  // Slicing.
  ['slice[:]', '{{slice .SI}}', '[3 4 5]', tVal, true],
  ['slice[1:]', '{{slice .SI 1}}', '[4 5]', tVal, true],
  ['slice[1:2]', '{{slice .SI 1 2}}', '[4]', tVal, true],
  ['slice[-1:]', '{{slice .SI -1}}', '', tVal, false],
  ['slice[1:-2]', '{{slice .SI 1 -2}}', '', tVal, false],
  ['out of range', '{{slice .SI 4 5}}', '', tVal, false],
  ['string[:]', '{{slice "foobar"}}', 'foobar', tVal, true],
  ['string[0:1]', '{{slice "foobar" 0 1}}', 'f', tVal, true],
  ['string[1:]', '{{slice "foobar" 1}}', 'oobar', tVal, true],
  // Len.
  ['slice', '{{len .SI}}', '3', tVal, true],
  ['map', '{{len .MSI }}', '3', tVal, true],
  ['len of int', '{{len 3}}', '', tVal, false],
  ['len of nothing', '{{len .Empty0}}', '', tVal, false],
  // With.
  ['with true', '{{with true}}{{.}}{{end}}', 'true', tVal, true],
  ['with false', '{{with false}}{{.}}{{else}}FALSE{{end}}', 'FALSE', tVal, true],
  ['with 1', '{{with 1}}{{.}}{{else}}ZERO{{end}}', '1', tVal, true],
  ['with 0', '{{with 0}}{{.}}{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['with 1.5', '{{with 1.5}}{{.}}{{else}}ZERO{{end}}', '1.5', tVal, true],
  ['with 0.0', '{{with .FloatZero}}{{.}}{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['with emptystring', '{{with ``}}{{.}}{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['with string', '{{with `notempty`}}{{.}}{{else}}EMPTY{{end}}', 'notempty', tVal, true],
  ['with emptyslice', '{{with .SIEmpty}}{{.}}{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['with slice', '{{with .SI}}{{.}}{{else}}EMPTY{{end}}', '[3 4 5]', tVal, true],
  ['with emptymap', '{{with .MSIEmpty}}{{.}}{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['with map', '{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}', 'map[one:1]', tVal, true],
  ['with empty interface, struct field', '{{with .Empty4}}{{.V}}{{end}}', 'v', tVal, true],
  ['with $x int', '{{with $x := .I}}{{$x}}{{end}}', '17', tVal, true],
  ['with $x struct.U.V', '{{with $x := $}}{{$x.U.V}}{{end}}', 'v', tVal, true],
  ['with variable and action', '{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}', 'v', tVal, true],
  ['with else with', '{{with 0}}{{.}}{{else with true}}{{.}}{{end}}', 'true', tVal, true],
  // Range.
  ['range []int', '{{range .SI}}-{{.}}-{{end}}', '-3--4--5-', tVal, true],
  ['range empty no else', '{{range .SIEmpty}}-{{.}}-{{end}}', '', tVal, true],
  ['range []int else', '{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}', '-3--4--5-', tVal, true],
  ['range empty else', '{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['range []int break else', '{{range .SI}}-{{.}}-{{break}}NOTREACHED{{else}}EMPTY{{end}}', '-3-', tVal, true],
  ['range []int continue else', '{{range .SI}}-{{.}}-{{continue}}NOTREACHED{{else}}EMPTY{{end}}', '-3--4--5-', tVal, true],
  ['range []bool', '{{range .SB}}-{{.}}-{{end}}', '-true--false-', tVal, true],
  ['range []int method', '{{range .SI | .MAdd .I}}-{{.}}-{{end}}', '-20--21--22-', tVal, true],
  ['range map', '{{range .MSI}}-{{.}}-{{end}}', '-1--3--2-', tVal, true],
  ['range empty map no else', '{{range .MSIEmpty}}-{{.}}-{{end}}', '', tVal, true],
  ['range map else', '{{range .MSI}}-{{.}}-{{else}}EMPTY{{end}}', '-1--3--2-', tVal, true],
  ['range empty map else', '{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['range empty interface', '{{range .Empty3}}-{{.}}-{{else}}EMPTY{{end}}', '-7--8-', tVal, true],
  ['range empty nil', '{{range .Empty0}}-{{.}}-{{end}}', '', tVal, true],
  ['range $x SI', '{{range $x := .SI}}<{{$x}}>{{end}}', '<3><4><5>', tVal, true],
  ['range $x $y SI', '{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}', '<0=3><1=4><2=5>', tVal, true],
  ['range $x MSIone', '{{range $x := .MSIone}}<{{$x}}>{{end}}', '<1>', tVal, true],
  ['range $x $y MSIone', '{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}', '<one=1>', tVal, true],
  ['range $x PSI', '{{range $x := .PSI}}<{{$x}}>{{end}}', '<21><22><23>', tVal, true],
  ['declare in range', '{{range $x := .PSI}}<{{$foo:=$x}}{{$x}}>{{end}}', '<21><22><23>', tVal, true],
  ['range int', '{{range $i := 3}}{{$i}}{{end}}', '012', tVal, true],
  ['range int two vars', '{{range $i, $j := 3}}{{$i}}{{end}}', '', tVal, false],
  ['range 0 else', '{{range 0}}x{{else}}none{{end}}', 'none', tVal, true],
  ['range string', '{{range "abc"}}{{.}}{{end}}', '', tVal, false],
  ['range assign', '{{$i := 0}}{{$v := 0}}{{range $i, $v = .SI}}{{end}}{{$i}}={{$v}}', '2=5', tVal, true],
  // Cute examples.
  ['or as if true', '{{or .SI "slice is empty"}}', '[3 4 5]', tVal, true],
  ['or as if false', '{{or .SIEmpty "slice is empty"}}', 'slice is empty', tVal, true],
  // Error handling.
  ['error method, error', '{{.MyError true}}', '', tVal, false],
  ['error method, no error', '{{.MyError false}}', 'false', tVal, true],
  // Fixed bugs.
  ['bug0', '{{range .MSIone}}{{if $.Method1 .}}X{{end}}{{end}}', 'X', tVal, true],
  ['bug3', '{{with $}}{{.Method0}}{{end}}', 'M0', tVal, true],
  ['bug4', '{{if .Empty0}}non-nil{{else}}nil{{end}}', 'nil', tVal, true],
  ['bug7a', '{{3 2}}', '', tVal, false],
  ['bug7b', '{{$x := 1}}{{$x 2}}', '', tVal, false],
  ['bug7c', '{{$x := 1}}{{3 | $x}}', '', tVal, false],
  ['bug8a', '{{3|oneArg}}', 'oneArg=3', tVal, true],
  ['bug9', '{{.cause}}', 'neglect', { cause: 'neglect' }, true],
  ['bug10', '{{mapOfThree.three}}-{{(mapOfThree).three}}', '3-3', 0, true],
  ['bug12xe', '{{printf `%T` 0xef}}', 'int', tVal, true],
  ['bug13', '{{print (.Copy).I}}', '17', tVal, true],
  ['bug14a', '{{(nil).True}}', '', tVal, false],
  ['bug14b', '{{$x := nil}}{{$x.anything}}', '', tVal, false],
  ['bug14c', '{{$x := (1.0)}}{{$y := ("hello")}}{{$x.anything}}{{$y.true}}', '', tVal, false],
  ['bug16g', '{{"aaa" |twoArgs "bbb"}}', 'twoArgs=bbbaaa', tVal, true],
  ['bug16i', '{{"aaa"|oneArg}}', 'oneArg=aaa', tVal, true],
  ['bug16k', '{{"aaa"|printf }}', 'aaa', tVal, true],
  // Comparisons (exec_test's cmpTests).
  ['eq true true', '{{eq true true}}', 'true', null, true],
  ['eq 1 2', '{{eq 1 2}}', 'false', null, true],
  ['eq 1 3 2 1', '{{eq 1 3 2 1}}', 'true', null, true],
  ['eq "xy" "xy"', '{{eq "xy" "xy"}}', 'true', null, true],
  ['ne 1 2', '{{ne 1 2}}', 'true', null, true],
  ['lt 1 2', '{{lt 1 2}}', 'true', null, true],
  ['lt "xy" "xz"', '{{lt "xy" "xz"}}', 'true', null, true],
  ['le 2 2', '{{le 2 2}}', 'true', null, true],
  ['gt 1.5 1.4', '{{gt 1.5 1.4}}', 'true', null, true],
  ['ge "a" "b"', '{{ge "a" "b"}}', 'false', null, true],
  ['eq nil nil', '{{eq .Empty0 nil}}', 'true', tVal, true],
  ['eq string int', '{{eq "1" 1}}', '', null, false],
  ['lt bool', '{{lt true false}}', '', null, false],
  ['eq slices', '{{eq .SI .SI}}', '', tVal, false],
  ['eq missing argument', '{{eq 1}}', '', null, false],
  // Templates.
  ['define and template', '{{define "x"}}X{{.}}{{end}}{{template "x" 1}}{{template "x" "y"}}', 'X1Xy', null, true],
  ['block', '{{block "b" .}}[{{.}}]{{end}}', '[7]', 7, true],
  ['template no data', '{{define "z"}}{{.}}{{end}}{{template "z"}}', '<no value>', 5, true],
  ['template not defined', '{{template "nope"}}', '', null, false],
  ['recursive template', '{{define "r"}}{{if .}}{{len .}}{{template "r" (slice . 1)}}{{end}}{{end}}{{template "r" .}}', '321', [1, 2, 3], true],
  // Whitespace trimming and comments.
  ['trim', 'a  {{- 1 -}}  b', 'a1b', null, true],
  ['trim newlines', 'a\n\n{{- 1}}\n', 'a1\n', null, true],
  ['comment', 'a{{/* comment */}}b', 'ab', null, true],
  ['trimmed comment', 'a {{- /* comment */ -}} b', 'ab', null, true],
  ['raw string', '{{`a\\nb`}}', 'a\\nb', null, true],
  ['char constant', "{{'a'}}", '97', null, true],
  ['hex, octal, binary, underscores', '{{0x1F}} {{0o17}} {{0b101}} {{1_000}} {{-3}}', '31 15 5 1000 -3', null, true],
];

function run(input: string, data: unknown): string {
  return Template.new('t').funcs(funcs).funcs({ typeOf: goFunc(1, 1, (v) => (typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float64') : typeof v)) }).parse(input).execute(data);
}

describe("text/template: Go's exec_test cases", () => {
  it.each(cases)('%s', (_name, input, output, data, ok) => {
    if (ok) expect(run(input, data)).toBe(output);
    else expect(() => run(input, data)).toThrow(/^template: /);
  });
});

describe('text/template error messages read as Go writes them', () => {
  const errorOf = (input: string, data: unknown = tVal): string => {
    try {
      run(input, data);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };

  it.each([
    ['{{.Nope}}', `template: t:1:2: executing "t" at <.Nope>: can't evaluate field Nope in type T`],
    ['a\nb {{.X.Y}}', `template: t:2:4: executing "t" at <.X.Y>: can't evaluate field Y in type string`],
    ['{{index .SI 10}}', 'template: t:1:2: executing "t" at <index .SI 10>: error calling index: index out of range: 10'],
    ['{{.MyError true}}', 'template: t:1:2: executing "t" at <.MyError>: error calling MyError: myError'],
    ['{{template "nope"}}', 'template: t:1:11: executing "t" at <{{template "nope"}}>: template "nope" not defined'],
    ['{{3 2}}', 'template: t:1:2: executing "t" at <3>: can\'t give argument to non-function 3'],
    ['{{oneArg}}', 'template: t:1:2: executing "t" at <oneArg>: wrong number of args for oneArg: want 1 got 0'],
    ['{{.MSI.one 1}}', 'template: t:1:2: executing "t" at <.MSI.one>: one is not a method but has arguments'],
    ['{{range $i, $j := 3}}{{end}}', `template: t:1:18: executing "t" at <3>: can't use 3 to iterate over more than one variable`],
    ['{{define "a"}}{{.Nope}}{{end}}{{template "a" .}}', `template: t:1:16: executing "a" at <.Nope>: can't evaluate field Nope in type T`],
  ])('%s', (input, msg) => {
    expect(errorOf(input)).toBe(msg);
  });

  it.each([
    ['{{if}}', 'template: t:1: missing value for if'],
    ['{{foo}}', 'template: t:1: function "foo" not defined'],
    ['{{.X', 'template: t:1: unclosed action'],
    ['a\n{{end}}', 'template: t:2: unexpected {{end}}'],
    ['{{range .SI}}', 'template: t:1: unexpected EOF'],
    ['{{$x}}', 'template: t:1: undefined variable "$x"'],
    ['{{break}}', 'template: t:1: {{break}} outside {{range}}'],
    ['{{/* unclosed', 'template: t:1: unclosed comment'],
    ['{{"abc}}', 'template: t:1: unterminated quoted string'],
    ['{{3 | 4}}', 'template: t:1: non executable command in pipeline stage 2'],
    ['{{(1}}', 'template: t:1: unclosed left paren'],
    ['{{1)}}', 'template: t:1: unexpected right paren'],
    ['{{define "a"}}x{{end}}{{define "a"}}y{{end}}', 'template: t:1: template: multiple definition of template "a"'],
  ])('parse: %s', (input, msg) => {
    expect(errorOf(input)).toBe(msg);
  });
});

describe('text/template API', () => {
  it('Delims change the action markers', () => {
    expect(Template.new('d').delims('<<', '>>').parse('<<.>> {{.}}').execute(1)).toBe('1 {{.}}');
  });

  it('missingkey=error reports a missing map key', () => {
    expect(() => Template.new('m').option('missingkey=error').parse('{{.a}}').execute({})).toThrow('map has no entry for key "a"');
  });

  it('a later Parse adds definitions to the set; an empty redefinition keeps the body', () => {
    const t = Template.new('set').parse('{{define "x"}}one{{end}}{{template "x"}}');
    t.parse('{{define "x"}}{{end}}');
    expect(t.execute(null)).toBe('one');
    t.parse('{{define "x"}}two{{end}}');
    expect(t.execute(null)).toBe('two');
  });

  it('a function added later overrides the earlier one', () => {
    const t = Template.new('f').funcs({ f: goFunc(0, 0, () => 'a') }).funcs({ f: goFunc(0, 0, () => 'b') });
    expect(t.parse('{{f}}').execute(null)).toBe('b');
  });
});
