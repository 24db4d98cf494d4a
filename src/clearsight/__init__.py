"""clearsight: self-hosted session recording and heatmap analysis for regulated finance."""

__version__ = "0.1.0"
