"""Text generation: the decoding protocol, sampling, beam search, `generate`."""

from kerazoo.generation.beam_search import beam_search
from kerazoo.generation.decoding import decode
from kerazoo.generation.generator import Generator, generate, generator_for
from kerazoo.generation.protocol import check_decodable
from kerazoo.generation.sampling import SamplingSettings

__all__ = [
    "Generator",
    "SamplingSettings",
    "beam_search",
    "check_decodable",
    "decode",
    "generate",
    "generator_for",
]
