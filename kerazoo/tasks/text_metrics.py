"""Corpus metrics of generated text against one reference each: BLEU, chrF, ROUGE.

`translation_scores` gives sacrebleu's BLEU and chrF on detokenized text
(BLEU with its standard 13a tokenization, the figure comparable across
papers, with its signature), and tokenized BLEU: the convention of older
Multi30k papers, which scored lowercased, tokenized text (multi-bleu.perl
over the tokenized corpus). Here both sides are lowercased and split into
13a tokens before scoring; it is reported under its own name because it
reads higher than, and is not comparable with, detokenized BLEU.

`rouge_scores` gives ROUGE-1, ROUGE-2 and ROUGE-L (longest common
subsequence, per sentence) F-measures from `rouge-score`, the Python port of
ROUGE-1.5.5 used for summarization, averaged over the sentences.
"""

import sacrebleu
from rouge_score import rouge_scorer
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
_TOKENIZER_13A = Tokenizer13a()


def translation_scores(hypotheses, references):
    """BLEU (detokenized, 13a), chrF and tokenized BLEU, each 0-100.

    Args:
        hypotheses: list of str, one system output per sentence.
        references: list of str, the reference of each.

    Returns:
        dict: `bleu`, `bleu_signature` (sacrebleu's), `chrf`,
        `tokenized_bleu` (lowercased 13a tokens; older Multi30k papers'
        convention) and `sentences`.
    """
    _check_pairs(hypotheses, references)
    bleu = sacrebleu.metrics.BLEU()
    tokenized = [_lowercased_tokens(text) for text in hypotheses]
    tokenized_references = [_lowercased_tokens(text) for text in references]
    return {
        "bleu": float(bleu.corpus_score(hypotheses, [references]).score),
        "bleu_signature": str(bleu.get_signature()),
        "chrf": float(sacrebleu.corpus_chrf(hypotheses, [references]).score),
        "tokenized_bleu": float(sacrebleu.corpus_bleu(
            tokenized, [tokenized_references], tokenize="none", force=True).score),
        "sentences": len(hypotheses),
    }


def rouge_scores(hypotheses, references, use_stemmer=True):
    """Mean ROUGE-1/2/L F-measures (0-100) of `hypotheses` against `references`.

    Args:
        hypotheses: list of str, e.g. generated summaries.
        references: list of str, one reference each.
        use_stemmer: bool, Porter-stem words before matching (rouge-score's
            option, as most summarization papers report). Defaults to True.

    Returns:
        dict: `rouge1`, `rouge2`, `rougeL` and `sentences`.
    """
    _check_pairs(hypotheses, references)
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=use_stemmer)
    totals = dict.fromkeys(ROUGE_TYPES, 0.0)
    for hypothesis, reference in zip(hypotheses, references):
        scores = scorer.score(reference, hypothesis)
        for name in ROUGE_TYPES:
            totals[name] += scores[name].fmeasure
    means = {name: 100.0 * total / len(hypotheses) for name, total in totals.items()}
    return {**means, "sentences": len(hypotheses)}


def _lowercased_tokens(text):
    return _TOKENIZER_13A(text.lower()).strip()


def _check_pairs(hypotheses, references):
    if isinstance(hypotheses, str) or isinstance(references, str):
        raise TypeError("`hypotheses` and `references` must be lists of str, not one str.")
    if len(hypotheses) != len(references) or not hypotheses:
        raise ValueError(
            f"Scoring needs one reference per hypothesis: got {len(hypotheses)} "
            f"hypotheses and {len(references)} references."
        )
