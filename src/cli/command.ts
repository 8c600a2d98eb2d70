export interface Command {
  name: string;
  summary: string;   // one line for `tsweb help`
  usage: string;     // full help text for `tsweb help VERB`
  run(args: string[]): Promise<number>;  // exit code: 0 ok, 1 config/runtime error, 2 usage error
}
