"""The playground's Block Kit renderer, on the blocks and elements the app emits (built with the
app's own constructors in handlers/blocks/kit.py) and on the mrkdwn features its texts use."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from erp.base import ErpInfo
from flows.listing import CardPage
from handlers.blocks import kit
from handlers.blocks.card import RowState, card_message
from i18n import words_for
from sandbox.playground.modal import render_modal
from sandbox.playground.mrkdwn import mrkdwn
from sandbox.playground.render import (
    BAR_COLORS,
    DEFAULT_BAR,
    ShownMessage,
    attachment,
    bar_color,
    message_body,
    render_block,
    render_blocks,
    render_message,
)
from storage.card_rows import CardRow

NAMES = {"U0ANA": "Ana Alvarez", "U0BAD": "<b>Mallory</b>"}


def md(text: str) -> str:
    return mrkdwn(text, NAMES)


def message(**fields: object) -> ShownMessage:
    base: dict[str, object] = {
        "channel": "C0TOWERA",
        "ts": "1700000000.000100",
        "author_id": "U0CCOBOT",
        "author": "cco-bot",
        "text": "fallback",
        "is_app": True,
    }
    base.update(fields)
    return ShownMessage(**base)  # type: ignore[arg-type]


# -- blocks ------------------------------------------------------------------------------------


def test_header_is_escaped_plain_text() -> None:
    html = render_block(kit.header("Tower <A> & :link: CCOs"), NAMES)
    assert html == '<div class="bk-header">Tower &lt;A&gt; &amp; 🔗 CCOs</div>'


def test_section_text_with_block_id() -> None:
    html = render_block(kit.section("*CCO #001*\nDrywall", block_id="cco:7"), NAMES)
    assert html.startswith('<div class="bk-section" data-block-id="cco:7">')
    assert '<div class="bk-text"><b>CCO #001</b><br>Drywall</div>' in html
    assert "bk-accessory" not in html


def test_section_fields() -> None:
    block = {
        "type": "section",
        "fields": [kit.mrkdwn("*Amount*\n$1.00"), kit.plain("Vendor: Acme")],
    }
    html = render_block(block, NAMES)
    assert '<div class="bk-fields">' in html
    assert '<div class="bk-field"><b>Amount</b><br>$1.00</div>' in html
    assert '<div class="bk-field">Vendor: Acme</div>' in html


def test_section_accessory_danger_button_with_confirm_dialog() -> None:
    confirm = kit.confirm_dialog("Unlink CCO #002?", "Checks Acumatica first.", "Unlink", "Cancel")
    button = kit.button("Unlink", "cco_unlink", "100020", style="danger", confirm=confirm)
    html = render_block(kit.section("row", block_id="cco:100020", accessory=button), NAMES)
    accessory = html.split('<div class="bk-accessory">', 1)[1]
    assert accessory.startswith(
        '<span class="bk-button-wrap"><button type="button" class="bk-button bk-danger" '
        'data-action-id="cco_unlink" data-value="100020" data-block-id="cco:100020">'
        "Unlink</button>"
    )
    dialog = re.search(r'<dialog class="bk-confirm">.*</dialog>', html)
    assert dialog is not None, "the confirm object becomes a hidden dialog next to its button"
    assert "open" not in dialog.group(0).split(">", 1)[0]
    assert '<h3 class="bk-confirm-title">Unlink CCO #002?</h3>' in dialog.group(0)
    assert '<div class="bk-confirm-text">Checks Acumatica first.</div>' in dialog.group(0)
    assert '<button class="bk-button" value="deny">Cancel</button>' in dialog.group(0)
    assert '<button class="bk-button bk-danger" value="confirm">Unlink</button>' in dialog.group(0)


def test_confirm_without_danger_style_uses_primary() -> None:
    confirm = {
        "title": kit.plain("Sure?"),
        "text": kit.mrkdwn("*Really*"),
        "confirm": kit.plain("Go"),
    }
    html = render_block(kit.actions(kit.button("Go", "go", "1", confirm=confirm)), NAMES)
    assert '<button class="bk-button bk-primary" value="confirm">Go</button>' in html
    assert '<div class="bk-confirm-text"><b>Really</b></div>' in html
    assert 'value="deny">Cancel</button>' in html


def test_context_elements() -> None:
    html = render_block(kit.context("5 synced with *Acumatica*", "page 1 of 2"), NAMES)
    assert html == (
        '<div class="bk-context"><span class="bk-context-item">5 synced with <b>Acumatica</b>'
        '</span><span class="bk-context-item">page 1 of 2</span></div>'
    )


def test_divider() -> None:
    assert render_block(kit.divider(), NAMES) == '<hr class="bk-divider">'


def test_actions_buttons_keep_their_styles_and_block_id() -> None:
    block = kit.actions(
        kit.button("◀ Previous", "cco_page_prev", "1"),
        kit.button("More ▶", "cco_page_next", "3", style="primary"),
        kit.button("Stop", "stop", "x", style="danger"),
        block_id="cco_pager",
    )
    html = render_block(block, NAMES)
    assert html.startswith('<div class="bk-actions" data-block-id="cco_pager">')
    assert '<button type="button" class="bk-button" data-action-id="cco_page_prev"' in html
    assert 'class="bk-button bk-primary" data-action-id="cco_page_next" data-value="3"' in html
    assert 'class="bk-button bk-danger" data-action-id="stop"' in html
    assert html.count('data-block-id="cco_pager"') == 4  # the block and its three buttons


def test_unknown_block_and_element_say_so() -> None:
    assert "[rich_text — not shown" in render_block({"type": "rich_text"}, NAMES)
    html = render_block(kit.actions({"type": "static_select", "action_id": "s"}), NAMES)
    assert "[static_select — not shown" in html


def test_the_card_the_app_posts() -> None:
    erp = ErpInfo("acumatica", "Acumatica", "change order", "Reverse {reference}")
    rows = [
        CardRow(id=11, number="001", title="Soffit <framing>", amount="12500.00"),
        CardRow(id=12, number="002", title="Board", amount="-10", commitment="SC-1"),
    ]
    view = CardPage("Tower A", erp, "", 1, 2, 7, rows)
    payload = card_message(words_for("en-US"), view, {12: RowState("unlinked", "U0ANA")})
    html = render_blocks(payload["blocks"], NAMES)
    assert '<div class="bk-header">ERP-synced CCOs — Tower A</div>' in html
    assert "<b>CCO #001 — Soffit &lt;framing&gt;</b>" in html
    assert 'data-action-id="cco_unlink" data-value="11"' in html
    assert 'data-value="12"' not in html, "an unlinked row has no Unlink button"
    assert '✅ Unlinked by <span class="mk-mention" data-user="U0ANA">@Ana Alvarez</span>' in html
    assert html.count('<dialog class="bk-confirm">') == 1
    assert 'data-action-id="cco_page_next" data-value="2"' in html


# -- attachments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("color", "bar"),
    [
        ("good", BAR_COLORS["good"]),
        ("warning", BAR_COLORS["warning"]),
        ("danger", BAR_COLORS["danger"]),
        ("#439FE0", "#439FE0"),
        ("439FE0", "#439FE0"),
        ("red; background:url(x)", DEFAULT_BAR),
        (None, DEFAULT_BAR),
    ],
)
def test_attachment_bar_color(color: object, bar: str) -> None:
    assert bar_color(color) == bar


def test_colored_reply_is_an_attachment_with_its_bar() -> None:
    payload = kit.colored(
        "danger", "❌ *Not unlinked*", "no", [kit.section("❌ *No*"), kit.context("ref `R-1`")]
    )
    html = attachment(payload["attachments"][0], NAMES)
    assert html.startswith(
        f'<div class="bk-attachment" style="border-left-color:{BAR_COLORS["danger"]}" '
        f'data-color="{BAR_COLORS["danger"]}">'
    )
    assert "❌ <b>No</b>" in html
    assert '<code class="mk-code">R-1</code>' in html


def test_legacy_attachment_text_and_fallback() -> None:
    assert "<b>hi</b>" in attachment({"color": "good", "text": "*hi*"}, NAMES)
    assert ">plain only<" in attachment({"fallback": "plain only"}, NAMES)


# -- mrkdwn ------------------------------------------------------------------------------------


def test_bold_italic_strike() -> None:
    assert md("*bold* _italic_ ~gone~") == "<b>bold</b> <i>italic</i> <s>gone</s>"
    assert md("*CCO #1 — _title_*") == "<b>CCO #1 — <i>title</i></b>"
    assert md("snake_case_name and 2*3*4") == "snake_case_name and 2*3*4"


def test_code_and_pre_are_verbatim() -> None:
    assert md("run `/cco link <id>` *now*") == (
        'run <code class="mk-code">/cco link &lt;id&gt;</code> <b>now</b>'
    )
    assert md("`*not bold*`") == '<code class="mk-code">*not bold*</code>'
    assert md("before```\nline 1\n*x* <b>```after") == (
        'before<pre class="mk-pre">line 1\n*x* &lt;b&gt;</pre>after'
    )


def test_links() -> None:
    assert md("<https://procore.com/a?b=1&amp;c=2|Open in Procore>") == (
        '<a class="mk-link" href="https://procore.com/a?b=1&amp;c=2" target="_blank" '
        'rel="noopener">Open in Procore</a>'
    )
    assert md("<https://x.example>") == (
        '<a class="mk-link" href="https://x.example" target="_blank" rel="noopener">'
        "https://x.example</a>"
    )
    assert md("<javascript:alert(1)|click>") == "&lt;javascript:alert(1)|click&gt;"


def test_mentions_and_channels() -> None:
    assert md("by <@U0ANA>") == 'by <span class="mk-mention" data-user="U0ANA">@Ana Alvarez</span>'
    assert md("<@U0ZED>") == '<span class="mk-mention" data-user="U0ZED">@U0ZED</span>'
    assert "@&lt;b&gt;Mallory&lt;/b&gt;" in md("<@U0BAD>")
    assert md("<#C0TOWERA|tower-a> <!here>") == (
        '<span class="mk-channel">#tower-a</span> <span class="mk-mention">@here</span>'
    )


def test_date_token_is_readable() -> None:
    epoch = int(datetime(2026, 3, 4, 15, 7, tzinfo=UTC).timestamp())
    at = datetime.fromtimestamp(epoch, UTC)
    html = md(words_for("en-US").when(at))  # the token the app's builders emit
    assert html.startswith(
        f'<time class="mk-date" datetime="2026-03-04T15:07:00+00:00" data-epoch="{epoch}"'
    )
    assert 'title="Mar 4, 2026 3:07\u202fPM UTC"' in html  # the token's fallback (Babel's)
    assert html.endswith(">Mar 4, 2026 at 15:07 UTC</time>")
    long_form = md(f"<!date^{epoch}^{{date_long}} {{date_num}}|x>")
    assert ">Wednesday, March 4th, 2026 2026-03-04</time>" in long_form
    assert md("<!date^soon^{date}|in a while>") == '<span class="mk-date">in a while</span>'


def test_entities_are_decoded_once_and_escaped_again() -> None:
    assert md("Drywall &amp; framing &lt;script&gt;") == "Drywall &amp; framing &lt;script&gt;"
    assert md('raw <b>"quoted"</b>') == "raw &lt;b&gt;&quot;quoted&quot;&lt;/b&gt;"


def test_newlines_bullets_and_indents() -> None:
    html = md("Missing:\n• *Commitments* — ask\n• Can Push\n      ↳ fix\nend")
    assert html == (
        'Missing:<ul class="mk-list"><li><b>Commitments</b> — ask</li><li>Can Push</li></ul>'
        "&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;↳ fix<br>end"
    )


def test_quote_lines() -> None:
    assert md("asks *x*\n>because &lt;y&gt;\n&gt; two\nend") == (
        'asks <b>x</b><blockquote class="mk-quote">because &lt;y&gt;<br>two</blockquote>end'
    )


def test_emoji_shortcodes() -> None:
    assert md(":white_check_mark: done :x: :not_an_emoji: 10:30:00") == (
        "✅ done ❌ :not_an_emoji: 10:30:00"
    )


# -- messages ----------------------------------------------------------------------------------


def test_blocks_replace_the_fallback_text_and_attachments_follow() -> None:
    shown = message(
        text="fallback only",
        blocks=[kit.section("*shown*")],
        attachments=[{"color": "good", "blocks": [kit.section("inside")]}],
    )
    html = message_body(shown, NAMES)
    assert "fallback only" not in html
    assert html.index("<b>shown</b>") < html.index('class="bk-attachment"') < html.index("inside")


def test_text_is_the_body_without_blocks() -> None:
    assert message_body(message(text="*hello*"), NAMES) == '<div class="bk-text"><b>hello</b></div>'


def test_message_row_author_app_badge_and_time() -> None:
    html = render_message(message(), NAMES)
    assert html.startswith(
        '<div class="msg" id="msg-1700000000.000100" data-ts="1700000000.000100" '
        'data-channel="C0TOWERA">'
    )
    assert '<span class="msg-author">cco-bot</span><span class="msg-app">APP</span>' in html
    assert '<time class="msg-time" data-epoch="1700000000">22:13</time>' in html
    assert "(edited)" not in html and "Only visible to you" not in html


def test_ephemeral_is_marked_only_visible_to_you() -> None:
    html = render_message(message(ephemeral=True), NAMES)
    assert html.startswith('<div class="msg ephemeral"')
    assert '<div class="msg-ephemeral">👁 Only visible to you</div>' in html


def test_edited_message_says_so() -> None:
    assert '<span class="msg-edited">(edited)</span>' in render_message(message(edited=True), NAMES)


def test_thread_replies_sit_under_their_parent() -> None:
    reply = message(ts="1700000001.000200", thread_ts="1700000000.000100", text="green")
    reply_html = render_message(reply, NAMES)
    assert reply_html.startswith('<div class="msg reply"')
    assert 'data-thread-ts="1700000000.000100"' in reply_html
    assert 'class="thread' not in reply_html, "a reply has no thread of its own"
    parent = render_message(message(), NAMES, [reply_html, reply_html])
    thread = parent.split('<div class="thread" data-thread="1700000000.000100">', 1)[1]
    assert thread.startswith(
        '<div class="thread-label">2 replies</div><div class="thread-replies">'
    )
    assert thread.count('class="msg reply"') == 2
    empty = render_message(message(), NAMES)
    assert '<div class="thread empty" data-thread="1700000000.000100">' in empty


def test_person_avatar_initials_are_escaped() -> None:
    html = render_message(message(author_id="U0X", author="<img> Ana", is_app=False), NAMES)
    assert ">A</div>" in html and "<img>" not in html
    assert '<span class="msg-author">&lt;img&gt; Ana</span>' in html


# -- modals ------------------------------------------------------------------------------------


def modal_view(optional: bool) -> dict[str, object]:
    return {
        "id": "V0MODAL",
        "type": "modal",
        "title": kit.plain("Deny request"),
        "submit": kit.plain("Deny"),
        "close": kit.plain("Cancel"),
        "blocks": [
            kit.section("Deny <@U0ANA>'s request?"),
            {
                "type": "input",
                "block_id": "reason",
                "optional": optional,
                "label": kit.plain("Reason"),
                "hint": kit.plain("They see it"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "reason_input",
                    "multiline": True,
                    "min_length": 3,
                    "max_length": 1000,
                    "initial_value": "<none>",
                },
            },
            {
                "type": "input",
                "block_id": "when",
                "label": kit.plain("When"),
                "element": {"type": "datepicker"},
            },
        ],
    }


def test_modal_with_title_blocks_inputs_and_buttons() -> None:
    html = render_modal(modal_view(optional=False), NAMES)
    assert html.startswith('<dialog class="bk-modal" data-view-id="V0MODAL">')
    assert '<div class="bk-modal-title">Deny request</div>' in html
    assert 'Deny <span class="mk-mention" data-user="U0ANA">@Ana Alvarez</span>' in html
    assert '<label class="bk-label">Reason</label>' in html
    assert (
        '<textarea class="bk-field-input" rows="3" data-block-id="reason" '
        'data-action-id="reason_input" minlength="3" maxlength="1000" required>&lt;none&gt;'
        "</textarea>"
    ) in html
    assert '<div class="bk-hint">They see it</div>' in html
    assert "[datepicker — not shown" in html
    assert '<button class="bk-button" value="close">Cancel</button>' in html
    assert '<button class="bk-button bk-primary" value="submit">Deny</button>' in html


def test_optional_input_is_marked_and_not_required() -> None:
    html = render_modal(modal_view(optional=True), NAMES)
    assert 'Reason <span class="bk-optional">(optional)</span>' in html
    assert "required>" not in html.split('data-block-id="when"')[0]


def test_modal_without_submit_has_only_close() -> None:
    view = {"id": "V1", "title": kit.plain("Info"), "blocks": [kit.divider()]}
    html = render_modal(view, NAMES)
    assert 'value="submit"' not in html
    assert '<button class="bk-button" value="close">Cancel</button>' in html
    assert '<hr class="bk-divider">' in html
