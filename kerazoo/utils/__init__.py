"""Cross-cutting helpers every subpackage may use: atomic writes, argument checks."""
