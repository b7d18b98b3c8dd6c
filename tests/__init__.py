"""Tests for the OptiVGI integration and its scheduling core."""
