"""Keeping TensorFlow's native start-up lines off a newcomer's first screen."""

import contextlib
import os
import sys
import tempfile


@contextlib.contextmanager
def native_stderr_captured(enabled=True):
    """While active, whatever native code writes to stderr goes to a buffer.

    TensorFlow's C++ start-up notices (absl's "All log messages before
    absl::InitializeLog()", oneDNN, `cudart_stub`, CPU features) are written
    during `import tensorflow` straight to file descriptor 2, whatever
    `TF_CPP_MIN_LOG_LEVEL` says. If the block raises, the captured text is
    written out, so a failing import still explains itself.

    Args:
        enabled: False makes this a no-op (`--verbose`).
    """
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as buffer:
        os.dup2(buffer.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            buffer.seek(0)
            sys.stderr.write(buffer.read().decode("utf-8", "replace"))
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
