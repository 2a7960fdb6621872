"""kerazoo.data: tokenizers, text loading and tf.data pipelines.

Tokenizers share one interface (keras-hub's `Tokenizer` plus `end_token_id`,
`encode` and `decode`): `CharTokenizer`, `WordPieceTokenizer` (trained with
`train_word_piece`) and `BytePairTokenizer` (GPT-2's, from
`load_byte_pair_tokenizer`). `save_tokenizer`/`load_tokenizer` store any of
them in a folder.
"""

from kerazoo.data.byte_pair import BytePairTokenizer, load_byte_pair_tokenizer
from kerazoo.data.char_tokenizer import CharTokenizer
from kerazoo.data.text_files import read_text_file
from kerazoo.data.tokenizer_io import load_tokenizer, save_tokenizer
from kerazoo.data.word_piece import WordPieceTokenizer, train_word_piece

__all__ = [
    "BytePairTokenizer",
    "CharTokenizer",
    "WordPieceTokenizer",
    "load_byte_pair_tokenizer",
    "load_tokenizer",
    "read_text_file",
    "save_tokenizer",
    "train_word_piece",
]
