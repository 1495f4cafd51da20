// terser options for commander and portal: small, but function names are kept,
// because code and error reports may read them.
module.exports = {
  ecma: 2020,
  compress: { passes: 2 },
  mangle: { keep_fnames: true },
  keep_fnames: true,
  format: { comments: false },
};
