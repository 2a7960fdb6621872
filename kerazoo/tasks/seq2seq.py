"""Seq2SeqTask: translation (sequence to sequence) with an encoder-decoder.

Data: a parallel corpus, by default the shipped Multi30k German -> English
(train, with val for validation), or `--data SOURCE_FILE,TARGET_FILE`
(`.txt`/`.gz`, line-aligned; empty pairs dropped, see
`kerazoo.data.parallel_corpus`), or `--data tfds:NAME[/CONFIG][:SPLIT]`, a
TFDS translation set already prepared under `--data-dir` (never downloaded),
whose `--source-language`/`--target-language` features are the pair (see
`kerazoo.data.tfds_parallel`); a joint WordPiece vocabulary of both
training sides (`--vocabulary FILE`, else the shipped Multi30k vocabulary
when training on the shipped Multi30k at its size, else trained; a word it
cannot spell is one `[UNK]`); packing, teacher forcing, length filtering
and length bucketing (`kerazoo.data.translation`). Loss: label-smoothed (0.1)
cross-entropy over real target tokens (padding has sample weight 0);
metric: masked token accuracy. At the end of training it translates the
first validation (else training) source. Evaluation: corpus BLEU and chrF
(sacrebleu, detokenized text, 13a tokenization) and tokenized BLEU of
greedy or beam-search translations, or ROUGE-1/2/L
(`kerazoo.tasks.text_metrics`), on the same kinds of `--data`. A source
longer than the model's `max_source_length` is translated from its first
tokens with a warning, or refused with `--long-sources error`. Generation
and `translate` are translation (greedy, or beam search with
`--num-beams`); `attention_heatmap` draws the cross-attention of one
sentence; export is a SavedModel whose `serving_default` translates strings.

A family using this task has a config with `vocabulary_size`,
`max_source_length` and `max_target_length`, and a model of the decoding
protocol whose `init_decoding_state` takes the packed sources.
"""

import keras

from kerazoo.data.parallel_corpus import MULTI30K_SPLITS, multi30k, read_parallel_corpus
from kerazoo.data.shipped import shipped_path
from kerazoo.data.tfds_parallel import read_tfds_parallel_corpus
from kerazoo.data.tfds_text import is_tfds_source
from kerazoo.data.translation import (
    load_joint_word_piece,
    train_joint_word_piece,
    translation_datasets,
)
from kerazoo.export.translation import export_translation
from kerazoo.generation.attention_heatmap import save_attention_heatmap, translation_attention
from kerazoo.generation.translation import translate
from kerazoo.tasks.registry import register_task
from kerazoo.tasks.task import Task
from kerazoo.tasks.task_data import TaskData
from kerazoo.tasks.text_metrics import rouge_scores, translation_scores
from kerazoo.training.label_smoothing import LabelSmoothedCrossEntropy

LABEL_SMOOTHING = 0.1
# `--data test` is Multi30k's test2016.
MULTI30K_ALIASES = {"test": "test2016"}
METRICS = {"bleu": translation_scores, "rouge": rouge_scores}
# Learned once from train.de + train.en (data/README.md says how), so a run
# on the shipped Multi30k skips minutes of WordPiece learning.
MULTI30K_VOCABULARY = "multi30k/wordpiece-8000.txt"
MULTI30K_VOCABULARY_SIZE = 8000


class Seq2SeqTask(Task):
    """Translation with an encoder-decoder (see the module docstring)."""

    name = "seq2seq"
    evaluation_options = ("num_beams", "length_penalty", "metric", "source_language",
                          "target_language", "long_sources")

    def add_arguments(self, parser):
        parser.add_argument("--source-language", default="de",
                            help="source language: of the shipped Multi30k (de or en), "
                                 "or the feature of a tfds: translation set")
        parser.add_argument("--target-language", default="en",
                            help="target language: of the shipped Multi30k (en or de), "
                                 "or the feature of a tfds: translation set")
        parser.add_argument("--validation-data", default=None,
                            help="SOURCE_FILE,TARGET_FILE or tfds:NAME[/CONFIG][:SPLIT] "
                                 "to validate on (default: "
                                 "Multi30k val when --data is unset, else none)")
        parser.add_argument("--vocabulary-size", type=int, default=MULTI30K_VOCABULARY_SIZE,
                            help="joint WordPiece vocabulary size")
        parser.add_argument("--vocabulary", default=None, metavar="FILE",
                            help="a joint WordPiece vocabulary file (one token per line, "
                                 "holding [PAD] [UNK] [START] [END]) to use instead of "
                                 "learning one; default: the shipped Multi30k vocabulary "
                                 "when training on the shipped Multi30k at "
                                 f"--vocabulary-size {MULTI30K_VOCABULARY_SIZE}, else one "
                                 "learned from the training pairs")
        parser.add_argument("--max-pairs", type=int, default=None,
                            help="train on the first this many pairs only")

    def prepare_data(self, options, model_config, batch_size, seed):
        languages = (options.source_language, options.target_language)
        if options.data is None:
            train, validation = multi30k("train", *languages), multi30k("val", *languages)
            source = f"Multi30k {languages[0]}->{languages[1]}"
        else:
            train, validation = parallel_corpus(options.data, *languages, options.data_dir), None
            source = options.data
        if options.validation_data is not None:
            validation = parallel_corpus(options.validation_data, *languages, options.data_dir)
        if options.max_pairs is not None:
            train = train._replace(sources=train.sources[: options.max_pairs],
                                   targets=train.targets[: options.max_pairs])
        tokenizer = joint_tokenizer(options, train)
        datasets = translation_datasets(
            train, tokenizer, model_config.max_source_length, model_config.max_target_length,
            batch_size, validation=validation, seed=seed,
        )
        if datasets.dropped_long or train.dropped_empty:
            print(f"kerazoo: dropped {datasets.dropped_long} training pairs longer than the "
                  f"model's lengths and {train.dropped_empty} with an empty side")
        return TaskData(
            tokenizer=tokenizer,
            train=datasets.train,
            validation=datasets.validation,
            model_overrides={"vocabulary_size": tokenizer.vocabulary_size()},
            source=source,
            sample_prompt=(validation or train).sources[0],
        )

    def loss(self):
        return LabelSmoothedCrossEntropy(LABEL_SMOOTHING)

    def metrics(self):
        return [keras.metrics.SparseCategoricalAccuracy(name="accuracy")]

    def sample(self, model, data, options, seed):
        return f"{data.sample_prompt} -> {translate(model, data.tokenizer, data.sample_prompt)}"

    def evaluate(self, model, tokenizer, source, batch_size, data_dir=None, num_beams=1,
                 length_penalty=1.0, metric="bleu", source_language="de", target_language="en",
                 long_sources="truncate"):
        """Scores of the translations of a parallel corpus against its targets.

        Args:
            source: a shipped Multi30k split (`train`, `val`, `test2016` or
                `test`), `SOURCE_FILE,TARGET_FILE`, or a prepared TFDS
                translation split `tfds:NAME[/CONFIG][:SPLIT]` (in `data_dir`).
            num_beams: 1 translates greedily, more by beam search.
            length_penalty: beam search's, see `kerazoo.generation.beam_search`.
            metric: `"bleu"` (BLEU, chrF and tokenized BLEU) or `"rouge"`
                (ROUGE-1/2/L), see `kerazoo.tasks.text_metrics`.
            source_language, target_language: the languages of Multi30k or
                the features of a TFDS set to translate from and into.
            long_sources: see `kerazoo.generation.translation.translate`.

        Returns:
            dict of the metric's scores (0-100), `sentences` and `num_beams`.
        """
        if metric not in METRICS:
            raise ValueError(f"`metric` must be one of {sorted(METRICS)}, got {metric!r}.")
        source = MULTI30K_ALIASES.get(source, source)
        languages = (source_language, target_language)
        corpus = (multi30k(source, *languages) if source in MULTI30K_SPLITS
                  else parallel_corpus(source, *languages, data_dir))
        hypotheses = translate(model, tokenizer, corpus.sources, num_beams=num_beams,
                               length_penalty=length_penalty, batch_size=batch_size,
                               long_sources=long_sources)
        return {**METRICS[metric](hypotheses, corpus.targets), "num_beams": num_beams}

    def export(self, model, tokenizer, out_dir, options, overwrite=False):
        path = export_translation(
            model, tokenizer, out_dir, max_new_tokens=options.max_new_tokens,
            num_beams=getattr(options, "num_beams", 1),
            length_penalty=getattr(options, "length_penalty", 1.0), overwrite=overwrite,
        )
        return path, ("serving_default", "logits")

    def generate(self, model, tokenizer, prompts, options):
        """Translations of `prompts`; of the sampling flags only `--max-new-tokens` applies."""
        return translate(model, tokenizer, prompts, max_new_tokens=options.max_new_tokens,
                         num_beams=options.num_beams, length_penalty=options.length_penalty)


    def translate(self, model, tokenizer, sources, options):
        """Translations of `sources`: `--num-beams`, `--length-penalty`, `--max-new-tokens`."""
        return translate(model, tokenizer, sources, max_new_tokens=options.max_new_tokens,
                         num_beams=options.num_beams, length_penalty=options.length_penalty,
                         batch_size=options.batch_size, long_sources=options.long_sources)

    def attention_heatmap(self, model, tokenizer, text, path, options):
        """The cross-attention of `--layer` and `--head` on `text`'s translation, as a PNG.

        Returns:
            The drawn `TranslationAttention`.
        """
        attention = translation_attention(
            model, tokenizer, text, layer=options.layer, head=options.head,
            num_beams=options.num_beams, length_penalty=options.length_penalty,
            max_new_tokens=options.max_new_tokens)
        save_attention_heatmap(attention, path)
        return attention


def joint_tokenizer(options, train):
    """The run's joint WordPiece tokenizer: `--vocabulary`, the shipped one, or learned."""
    if options.vocabulary is not None:
        return load_joint_word_piece(options.vocabulary)
    shipped = (options.data is None and options.max_pairs is None
               and options.vocabulary_size == MULTI30K_VOCABULARY_SIZE)
    if shipped:
        path = shipped_path(MULTI30K_VOCABULARY, "Pass `--vocabulary FILE`")
        print(f"kerazoo: using the shipped Multi30k WordPiece vocabulary ({path})")
        return load_joint_word_piece(path)
    print(f"kerazoo: learning a {options.vocabulary_size}-token WordPiece vocabulary from "
          f"{len(train.sources):,} training pairs (minutes for large corpora; "
          "`--vocabulary FILE` reuses one)")
    return train_joint_word_piece(train.sources, train.targets, options.vocabulary_size)


def parallel_corpus(files, source_language, target_language, data_dir=None):
    """`SOURCE_FILE,TARGET_FILE` or `tfds:NAME[/CONFIG][:SPLIT]` as a `ParallelCorpus`."""
    if is_tfds_source(files):
        return read_tfds_parallel_corpus(files, source_language, target_language,
                                         data_dir=data_dir)
    paths = [p for p in str(files).split(",") if p]
    if len(paths) != 2:
        raise ValueError(
            "A parallel corpus is two files, `SOURCE_FILE,TARGET_FILE`, or a prepared "
            f"TFDS translation set, `tfds:NAME[/CONFIG][:SPLIT]`; got {files!r}."
        )
    return read_parallel_corpus(*paths)


register_task(Seq2SeqTask())
