"""Folium elements that draw candidates and overlays from compact JSON on a canvas renderer.

Folium's own ``GeoJson`` and ``Popup`` re-render their payload through Jinja and need jQuery; a
100 000-feature result would then take minutes and tens of MB. These elements write their data
once, as JSON, into the page's script and build Leaflet layers in the browser; popups are made
from the data on click. Only Leaflet itself is needed.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from maps._encode import to_script_json

__all__ = ["DataLayer", "Legend", "RawHtml", "runtime_css", "runtime_js", "stable_ids"]


@lru_cache(maxsize=1)
def runtime_js() -> str:
    """Return the browser side (``maps/runtime.js``): decoding, canvas drawing, popups."""
    return resources.files("maps").joinpath("runtime.js").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def runtime_css() -> str:
    """Return the styles of popups, rank labels and the legend (``maps/runtime.css``)."""
    return resources.files("maps").joinpath("runtime.css").read_text(encoding="utf-8")


class RawHtml(Element):
    """An element that renders its text as it is (no Jinja pass over large payloads)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self._name = "RawHtml"
        self.html = html

    def render(self, **kwargs: Any) -> str:  # Any: folium passes arbitrary render options
        """Return the HTML text unchanged."""
        return self.html


class DataLayer(folium.map.Layer):
    """A toggleable layer drawn by ``siting.sites`` or ``siting.overlay`` from JSON data.

    Parameters
    ----------
    name
        Title in the layer control.
    payload
        JSON-serialisable data the runtime function reads.
    builder
        ``"sites"`` or ``"overlay"``: the runtime function that draws it.
    show
        Whether the layer is on when the map opens.
    """

    _template = Template("")

    def __init__(
        self,
        name: str,
        payload: dict[str, Any],  # Any: JSON values
        *,
        builder: str,
        show: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "DataLayer"
        self.payload = payload
        self.builder = builder

    def render(self, **kwargs: Any) -> None:  # Any: folium passes arbitrary render options
        """Write the layer's script (data and builder call) into the figure, then render."""
        figure = self.get_root()
        if not isinstance(figure, Figure):
            msg = f"layer {self.layer_name!r} must be added to a map inside a Figure to render"
            raise TypeError(msg)
        parent = self._parent.get_name() if self._parent is not None else "map"
        script = (
            f"var {self.get_name()} = siting.{self.builder}({parent}, "
            f"{to_script_json(self.payload)});\n"
        )
        figure.script.add_child(RawHtml(script), name=self.get_name())
        super().render(**kwargs)


class Legend(MacroElement):
    """A legend box (HTML built in Python, inserted as text) in one corner of the map."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "siting.legend({{ this._parent.get_name() }}, {{ this.html_json }}, "
        "{{ this.position_json }});"
        "{% endmacro %}"
    )

    def __init__(self, html: str, *, position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "Legend"
        # Jinja re-reads the rendered script, so braces in the text are escaped in the JSON.
        self.html_json = to_script_json(html).replace("{", "\\u007b").replace("}", "\\u007d")
        self.position_json = to_script_json(position)


def stable_ids(root: Element) -> None:
    """Give ``root`` and its descendants sequential ids so the same map renders the same bytes."""
    stack = [root]
    counter = 0
    while stack:
        element = stack.pop()
        element._id = f"{counter:032x}"
        counter += 1
        stack.extend(reversed(list(element._children.values())))
