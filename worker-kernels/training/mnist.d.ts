/** The `mnist` package (MIT, 10,000 digits): per digit, its samples as one flat array of 784 floats each. */
declare module 'mnist' {
  interface Digit {
    readonly id: number;
    readonly length: number;
    readonly raw: readonly number[];
  }
  const mnist: readonly Digit[];
  export default mnist;
}
