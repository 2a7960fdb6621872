"""kerazoo.data: tokenizers, text loading and tf.data pipelines.

Tokenizers share one interface (keras-hub's `Tokenizer` plus `end_token_id`,
`encode` and `decode`): `CharTokenizer`, `WordTokenizer` (a `Vocabulary` of
words, built with `WordTokenizer.from_corpus`), `WordPieceTokenizer`
(trained with `train_word_piece`) and `BytePairTokenizer` (GPT-2's, from
`load_byte_pair_tokenizer`). `save_tokenizer`/`load_tokenizer` store any of
them in a folder. `causal_lm_datasets` turns a corpus into next-token
prediction datasets; `masked_lm_datasets` into BERT's masked-LM pretraining
batches; `classification_dataset` makes length-bucketed batches of labelled
sentences (`read_labelled_tsv`).

Word-level preprocessing in Python: `clean_text` (HTML, Unicode, case,
punctuation, whitespace, stop words; each an explicit option) and
`word_tokenize` (NLTK's Treebank and regexp tokenizers, which need no
downloaded data). The Penn Treebank ships in `data/`: `load_ptb_words`,
`ptb_tokenizer`, and the source name `ptb[:SPLIT]`.
"""

from kerazoo.data.byte_pair import BytePairTokenizer, load_byte_pair_tokenizer
from kerazoo.data.causal_lm import (
    CausalLMDatasets,
    ContiguousBatches,
    causal_lm_contiguous_batches,
    causal_lm_datasets,
    causal_lm_datasets_from_token_ids,
    causal_lm_evaluation_dataset,
    split_token_ids,
)
from kerazoo.data.char_tokenizer import CharTokenizer
from kerazoo.data.corpus import load_documents, tokenize_documents
from kerazoo.data.encoder_inputs import (
    pack_example,
    pack_single_segment,
    special_token_ids,
)
from kerazoo.data.masked_lm import MaskedLMDatasets, masked_lm_dataset, masked_lm_datasets
from kerazoo.data.shipped import default_corpus
from kerazoo.data.text_classification import (
    classification_dataset,
    label_ids,
    label_names_of,
    read_labelled_tsv,
    shipped_sst2,
    tokenize_sentences,
)
from kerazoo.data.text_files import read_text_file
from kerazoo.data.tfds_text import read_tfds_documents
from kerazoo.data.ptb import PTB_WORD_TOKENIZER_OPTIONS, load_ptb_text, load_ptb_words, ptb_tokenizer
from kerazoo.data.text_cleaning import clean_text
from kerazoo.data.tokenizer_io import load_tokenizer, save_tokenizer
from kerazoo.data.vocabulary import Vocabulary
from kerazoo.data.word_piece import WordPieceTokenizer, train_word_piece
from kerazoo.data.word_tokenization import MissingNLTKDataError, nltk_stop_words, word_tokenize
from kerazoo.data.word_tokenizer import WordTokenizer

__all__ = [
    "BytePairTokenizer",
    "CausalLMDatasets",
    "ContiguousBatches",
    "CharTokenizer",
    "MaskedLMDatasets",
    "MissingNLTKDataError",
    "PTB_WORD_TOKENIZER_OPTIONS",
    "Vocabulary",
    "WordPieceTokenizer",
    "WordTokenizer",
    "causal_lm_contiguous_batches",
    "causal_lm_datasets",
    "causal_lm_datasets_from_token_ids",
    "causal_lm_evaluation_dataset",
    "classification_dataset",
    "clean_text",
    "default_corpus",
    "label_ids",
    "label_names_of",
    "load_byte_pair_tokenizer",
    "load_documents",
    "load_ptb_text",
    "load_ptb_words",
    "load_tokenizer",
    "masked_lm_dataset",
    "masked_lm_datasets",
    "pack_example",
    "pack_single_segment",
    "read_labelled_tsv",
    "nltk_stop_words",
    "ptb_tokenizer",
    "read_text_file",
    "read_tfds_documents",
    "save_tokenizer",
    "shipped_sst2",
    "special_token_ids",
    "split_token_ids",
    "tokenize_documents",
    "tokenize_sentences",
    "train_word_piece",
    "word_tokenize",
]

from kerazoo.data.bio_tags import TagScheme, entity_spans, tag_scheme
from kerazoo.data.conll import TaggedSentences, conll_source, read_conll
from kerazoo.data.token_classification import (
    tag_ids,
    tag_names_of,
    tagging_dataset,
    tagging_examples,
    words_tensor,
)

__all__ += [
    "TagScheme",
    "TaggedSentences",
    "conll_source",
    "entity_spans",
    "read_conll",
    "tag_ids",
    "tag_names_of",
    "tag_scheme",
    "tagging_dataset",
    "tagging_examples",
    "words_tensor",
]
from kerazoo.data.squad import QAExample, read_squad, span_dataset, span_features

__all__ += ["QAExample", "read_squad", "span_dataset", "span_features"]

from kerazoo.data.text_classification import tokenize_labelled

__all__ += ["tokenize_labelled"]
