// terser options for distributor, the booking engine on the hotels' sites,
// where every byte counts: every name is mangled, function names too.
module.exports = {
  ecma: 2020,
  toplevel: true,
  compress: { passes: 3 },
  mangle: { toplevel: true, keep_fnames: false },
  keep_fnames: false,
  format: { comments: false },
};
