"""Text generation: sampling settings, the cached decoding loop, `generate`."""

from kerazoo.generation.decoding import decode
from kerazoo.generation.generator import Generator, generate, generator_for
from kerazoo.generation.sampling import SamplingSettings

__all__ = ["Generator", "SamplingSettings", "decode", "generate", "generator_for"]
