"""Chapter 3 — mean pooling: a classifier that reads the average of the token vectors.

``AutoModelForSequenceClassification`` reads one vector per review: the ``[CLS]``
token's (passed through BERT's "pooler" layer). That suits an encoder whose
pretraining taught ``[CLS]`` to summarise a text. A *sentence encoder* such as
all-MiniLM-L6-v2 was trained to summarise by the **mean** of its token vectors
instead, and its ``[CLS]`` carries little until fine-tuning has rebuilt it. This
model pools the way such an encoder was trained::

    h = encoder(input_ids, attention_mask).last_hidden_state      # (B, T, H)
    m = attention_mask[..., None]                                  # (B, T, 1): 1 for real tokens
    pooled = (h * m).sum(1) / m.sum(1)                             # (B, H): padding never counts
    logits = classifier(dropout(pooled))                           # (B, 2)

The file imports nothing from ``sentiment_lib`` on purpose: ``save_pretrained``
copies it into every model directory it writes, so that the model also loads
where this library is not installed::

    AutoModelForSequenceClassification.from_pretrained(model_dir, trust_remote_code=True)
    pipeline("text-classification", model=model_dir, trust_remote_code=True)

(With ``sentiment_lib`` imported, ``trust_remote_code`` is not needed: the
library registers both classes with the ``Auto*`` factories.)
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput


class MeanPoolingConfig(PretrainedConfig):
    """Configuration: the encoder's own configuration (``encoder``) plus the head's dropout.

    Examples
    --------
    >>> from transformers import BertConfig
    >>> config = MeanPoolingConfig(encoder=BertConfig(hidden_size=32).to_dict(), num_labels=2)
    >>> config.hidden_size
    32
    """

    model_type = "mean_pooling_classifier"
    sub_configs = {"encoder": AutoConfig}

    def __init__(self, encoder: dict | PretrainedConfig | None = None, classifier_dropout: float = 0.1, **kwargs: Any) -> None:
        if isinstance(encoder, dict):
            encoder = AutoConfig.for_model(**encoder)
        self.encoder = encoder
        self.classifier_dropout = classifier_dropout
        super().__init__(**kwargs)

    @property
    def hidden_size(self) -> int:
        return self.encoder.hidden_size if self.encoder is not None else 0

    @property
    def initializer_range(self) -> float:
        return getattr(self.encoder, "initializer_range", 0.02) if self.encoder is not None else 0.02

    @property
    def max_position_embeddings(self) -> int:
        return getattr(self.encoder, "max_position_embeddings", 512) if self.encoder is not None else 512


def _encoder_from_config(config: PretrainedConfig) -> nn.Module:
    """The bare encoder, without BERT's ``[CLS]`` pooler where the architecture has one."""
    try:
        return AutoModel.from_config(config, add_pooling_layer=False)
    except TypeError:  # DistilBERT and others have no pooler to leave out
        return AutoModel.from_config(config)


class MeanPoolingForSequenceClassification(PreTrainedModel):
    """Any ``AutoModel`` encoder, attention-masked mean pooling, dropout, a linear classifier."""

    config_class = MeanPoolingConfig
    base_model_prefix = "encoder"
    supports_gradient_checkpointing = True
    _no_split_modules: list[str] = []

    def __init__(self, config: MeanPoolingConfig) -> None:
        super().__init__(config)
        self.encoder = _encoder_from_config(config.encoder)
        self.dropout = nn.Dropout(config.classifier_dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_hidden_states: bool | None = None,
        output_attentions: bool | None = None,
        return_dict: bool | None = None,
    ) -> SequenceClassifierOutput:
        extra = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
        out = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, inputs_embeds=inputs_embeds,
            output_hidden_states=output_hidden_states, output_attentions=output_attentions, **extra,
        )
        hidden = out.last_hidden_state                                    # (B, T, H)
        if attention_mask is None:
            attention_mask = torch.ones(hidden.shape[:2], device=hidden.device)
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)              # (B, T, 1)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)      # (B, H)
        logits = self.classifier(self.dropout(pooled))                    # (B, num_labels)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits.float().view(-1, self.config.num_labels), labels.view(-1))
        return SequenceClassifierOutput(
            loss=loss, logits=logits, hidden_states=out.hidden_states, attentions=out.attentions
        )


def register() -> None:
    """Make ``AutoConfig``/``AutoModelForSequenceClassification`` know the classes (idempotent)."""
    from transformers import AutoModelForSequenceClassification

    try:
        AutoConfig.register(MeanPoolingConfig.model_type, MeanPoolingConfig)
        AutoModelForSequenceClassification.register(MeanPoolingConfig, MeanPoolingForSequenceClassification)
    except ValueError:  # already registered
        pass
    # save_pretrained copies this file beside the weights and names the classes in config.json
    MeanPoolingConfig.register_for_auto_class()
    MeanPoolingForSequenceClassification.register_for_auto_class("AutoModelForSequenceClassification")
