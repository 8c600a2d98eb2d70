declare module '*.ohm' {
  const src: string;
  export default src;
}
