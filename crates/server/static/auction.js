// The live auction of a listing's page (crates/server/src/pages/trading.rs): it listens to the
// auction's server-sent events and updates the current price, the leader, the countdown, the
// bid history and the next-amount buttons without reloading. The server's clock decides: the
// countdown runs to the server's deadline from the server's time (corrected by how far this
// computer's clock is off), and the page says the time is up only when the server closes.
// Without JavaScript the page works by reloading; every text comes from the page (data-t-*).
(function () {
  "use strict";
  var root = document.getElementById("auction");
  if (!root) {
    return;
  }
  var d = root.dataset;
  var s = {
    phase: d.state,
    ends: Number(d.endsAt),
    opens: Number(d.opensAt),
    offset: Number(d.serverTime) - Date.now(),
    current: Number(d.current),
    increment: Number(d.increment),
    seen: Number(d.lastSeq),
  };

  function byId(id) {
    return document.getElementById(id);
  }

  function setText(id, text) {
    var e = byId(id);
    if (e) {
      e.textContent = text;
    }
  }

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  // ¥1,050,000, as the server writes prices.
  function yuan(n) {
    return "¥" + grouped(n);
  }

  function grouped(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  // 2026-03-01 14:05:09 in Beijing time (UTC+8, no daylight saving), as the server writes it.
  function beijing(ms) {
    var t = new Date(ms + 8 * 3600 * 1000);
    return t.getUTCFullYear() + "-" + two(t.getUTCMonth() + 1) + "-" + two(t.getUTCDate()) + " " +
      two(t.getUTCHours()) + ":" + two(t.getUTCMinutes()) + ":" + two(t.getUTCSeconds());
  }

  // A new idempotency key for a bid form (randomUUID needs a secure context; plain HTTP on an
  // intranet gets the same from getRandomValues).
  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) {
      return (x + 0x100).toString(16).slice(1);
    }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function stateLabel(phase) {
    return { scheduled: d.tStateScheduled, open: d.tStateOpen, closed: d.tStateClosed }[phase] || phase;
  }

  // Bidding opens at the server's time without an event (nothing in the auction changed): the
  // page opens itself then, and the server still decides on each bid.
  function opened() {
    s.phase = "open";
    root.dataset.state = "open";
    var label = byId("auction-state");
    if (label) {
      label.textContent = stateLabel("open");
      label.className = "auction-state state-open";
    }
    setText("countdown-label", d.tCountdown);
    var forms = byId("bid-forms");
    if (forms) {
      forms.hidden = false;
    }
  }

  function tick() {
    if (s.phase === "scheduled" && Date.now() + s.offset >= s.opens) {
      opened();
    }
    if (s.phase === "closed") {
      setText("countdown", d.tStateClosed);
      return;
    }
    var target = s.phase === "scheduled" ? s.opens : s.ends;
    var left = target - (Date.now() + s.offset);
    if (left <= 0) {
      setText("countdown", d.tTimeUp);
      return;
    }
    var secs = Math.floor(left / 1000);
    setText("countdown", two(Math.floor(secs / 3600)) + ":" + two(Math.floor((secs % 3600) / 60)) + ":" + two(secs % 60));
  }

  // The buttons bid the current price plus their number of increments, each with a fresh key.
  function updateForms(a) {
    var forms = byId("bid-forms");
    if (!forms) {
      return;
    }
    forms.hidden = a.state !== "open" || !a.you_may_bid;
    if (a.current_price === s.current) {
      return;
    }
    s.current = a.current_price;
    var choices = forms.querySelectorAll("form.bid-choice");
    for (var i = 0; i < choices.length; i++) {
      var f = choices[i];
      var amount = s.current + s.increment * Number(f.dataset.steps);
      f.querySelector("input[name=amount]").value = String(amount);
      f.querySelector("input[name=key]").value = newKey();
      f.querySelector("button").textContent = yuan(amount);
    }
    setText("bid-lowest", yuan(s.current + s.increment));
  }

  function addBids(bids) {
    var body = document.querySelector("#bid-history tbody");
    if (!body) {
      return;
    }
    for (var i = 0; i < bids.length; i++) {
      var b = bids[i];
      if (b.seq <= s.seen) {
        continue;
      }
      s.seen = b.seq;
      var tr = document.createElement("tr");
      tr.className = b.mine ? "bid mine" : "bid";
      tr.dataset.seq = String(b.seq);
      var cells = [String(b.seq), grouped(b.amount), beijing(b.at), b.bidder_label + (b.mine ? d.tYou : "")];
      for (var j = 0; j < cells.length; j++) {
        var td = document.createElement("td");
        td.textContent = cells[j];
        if (j === 1) {
          td.className = "amount";
        }
        tr.appendChild(td);
      }
      body.insertBefore(tr, body.firstChild);
      var none = byId("no-bids");
      if (none) {
        none.remove();
      }
    }
  }

  function update(payload) {
    var a = payload.auction;
    s.offset = a.server_time - Date.now();
    s.phase = a.state;
    s.ends = a.ends_at;
    s.opens = a.opens_at;
    root.dataset.state = a.state;
    var label = byId("auction-state");
    if (label) {
      label.textContent = stateLabel(a.state);
      label.className = "auction-state state-" + a.state;
    }
    setText("countdown-label", a.state === "scheduled" ? d.tCountdownOpen : d.tCountdown);
    setText("current-price", yuan(a.current_price));
    setText("leader", a.leader ? a.leader.bidder_label + (a.leader.mine ? d.tYou : "") : d.tNoBids);
    setText("deadline", beijing(a.ends_at));
    setText("bid-count", String(a.bid_count));
    setText("extensions", String(a.extensions));
    addBids(payload.bids || []);
    updateForms(a);
    tick();
  }

  if (window.EventSource) {
    var events = new EventSource(d.events);
    events.addEventListener("auction", function (e) {
      try {
        update(JSON.parse(e.data));
      } catch (err) {
        // A malformed event changes nothing; the next one (or a reload) brings the state.
      }
    });
  }
  tick();
  window.setInterval(tick, 1000);
})();
