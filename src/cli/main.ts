// Entry point of the tsweb executable: dispatches to one module per verb.
async function main(argv: string[]): Promise<number> {
  const [verb] = argv;
  process.stderr.write(`tsweb: unknown command ${verb ?? ''}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
