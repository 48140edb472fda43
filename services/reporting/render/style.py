"""The report's stylesheet: a readable page on screen, clean A4 pages when printed to PDF."""

CSS = """
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2733;
max-width:1320px;margin:2rem auto;padding:0 1.5rem}
h1{font-size:1.9rem;margin:0 0 .1rem;line-height:1.25}
.subtitle{font-size:1.05rem;margin:0 0 .6rem;color:#3d4a57}
h2{font-size:1.4rem;margin:2.8rem 0 .4rem;border-bottom:2px solid #d7dee6;padding-bottom:.2rem}
h3{font-size:1.08rem;margin:1.8rem 0 .4rem}
.meta{color:#5a6978;margin:.2rem 0}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1.2rem 0}
.card{background:#f2f5f8;border-radius:8px;padding:.7rem 1rem;min-width:10rem;flex:1 1 10rem;
font-size:.9rem;color:#3d4a57}
.card b{display:block;font-size:1.35rem;color:#1d2733;white-space:nowrap}
nav.contents{background:#f8fafb;border:1px solid #e3e8ee;border-radius:8px;padding:.2rem 1.2rem
.6rem;margin:1.2rem 0}
nav.contents h2{font-size:1.05rem;border:none;margin:.6rem 0 .2rem}
nav.contents ol{margin:.2rem 0;padding-left:1.4rem}nav.contents ol ol{columns:2;column-gap:2rem}
nav.contents a{color:#2f6690;text-decoration:none}nav.contents a:hover{text-decoration:underline}
.scroll{overflow-x:auto;max-width:100%;margin:.4rem 0 1rem;
background:linear-gradient(to right,#fff 30%,rgba(255,255,255,0)) left/3rem 100% no-repeat local,
linear-gradient(to left,#fff 30%,rgba(255,255,255,0)) right/3rem 100% no-repeat local,
radial-gradient(farthest-side at 100% 50%,rgba(29,39,51,.22),transparent) right/.9rem 100%
no-repeat scroll}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(30rem,1fr));gap:0 2.5rem}
.pair{display:flex;flex-wrap:wrap;gap:0 3rem;align-items:flex-start}
.pair>.scroll{flex:0 1 auto}
.pair>figure.chart{flex:1 1 30rem;min-width:0;max-width:48rem;margin-top:.4rem}
table{border-collapse:collapse;font-size:.88rem}
caption{text-align:left;color:#5a6978;font-size:.85rem;padding:.2rem 0}
th,td{padding:.3rem .65rem;border-bottom:1px solid #e3e8ee;text-align:left;vertical-align:top}
thead th{background:#f2f5f8;vertical-align:bottom;font-weight:600}
tbody th{font-weight:normal}
th.num,td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
thead th.num{white-space:normal}
td.date,td.ref{white-space:nowrap}
td.desc{max-width:30rem}
td.party{min-width:9rem}
tr.total th,tr.total td{font-weight:600;border-top:2px solid #9aa8b6;border-bottom:none}
tr.flagged td,tr.flagged th{background:#fff6e5}
ul.reasons{margin:.1rem 0 0;padding-left:1.1rem;font-size:.85rem;color:#6b4a00}
table.wide tbody th,table.wide thead th:first-child{position:sticky;left:0;z-index:1;
background:#fff;box-shadow:1px 0 0 #e3e8ee}
table.wide thead th:first-child{background:#f2f5f8}
table.wide tbody th{min-width:12rem}
abbr{text-decoration:none;cursor:help}
.empty{color:#6b7785;font-style:italic}
.note{color:#5a6978;font-size:.88rem;max-width:60rem}
.method{background:#fbf8ef;border-left:4px solid #e3c46b;padding:.6rem 1rem;font-size:.92rem;
max-width:60rem}
figure.chart{margin:.4rem 0 1.6rem}
figure.chart figcaption{font-weight:600;font-size:.95rem;margin-bottom:.2rem}
figure.chart svg{display:block;width:100%;max-width:820px;height:auto}
.print-only{display:none}
@page{size:A4;margin:14mm 12mm 16mm}
@media print{
body{max-width:none;margin:0;padding:0;font-size:9.5pt;color:#000}
nav.contents,.screen-only{display:none}
.print-only{display:block}
section.part{break-before:page}
section.part:first-of-type{break-before:auto}
section.part.compact{break-before:auto;break-inside:avoid;padding-top:.6rem}
h2,h3,caption{break-after:avoid}
h2{margin-top:0}
.cards,figure.chart,tr,table.keep{break-inside:avoid}
thead{display:table-header-group}
.scroll{overflow:visible;background:none}
.pair,.charts{display:block}
table{font-size:7.5pt;margin-bottom:.6rem}
th,td{padding:.16rem .32rem}
table.dense{font-size:6.6pt}
table.dense th,table.dense td{padding:.14rem .24rem}
td.desc{min-width:0;max-width:none}
td.party{min-width:0}
table.wide tbody th,table.wide thead th:first-child{position:static;box-shadow:none}
table.wide tbody th{min-width:0}
figure.chart svg{max-width:16cm}
.cards{display:grid;grid-template-columns:repeat(3,1fr);gap:.4rem}
.card{border:1px solid #d7dee6;min-width:0;padding:.4rem .6rem;font-size:8pt}
.card b{font-size:11pt}
}
"""
