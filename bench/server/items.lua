-- wrk script: POST /v1/items with a fresh item id on every request (so each one is a durable
-- write, never the idempotent replay), texts rotating over several languages. Invented content.
local texts = {
  "رحلة قادمة من زوارة إلى إيطاليا بداية الأسبوع، واتس 0912345678",
  "je cherche un passeur pour aller en Italie, combien ça coûte ?",
  "Walaalkaa waa naga xidhan yahay, soo dir lacagta maanta",
  "ጉዕዞ ናብ ሊብያ ካብ ካርቱም፡ ዋጋ 3500 ዶላር",
  "Boys ready tonight from Dunkirk, small boat, 1500 per person",
  "Hotuna daga bikin aure a Kano jiya, muna godiya",
}
local counter = 0
local prefix = tostring(math.random(1, 1e9))
function setup(thread)
  thread:set("tid", tostring(math.random(1, 1e9)))
end
request = function()
  counter = counter + 1
  local text = texts[(counter % #texts) + 1]
  local body = string.format('{"id":"load-%s-%s-%d","kind":"post","text":"%s"}', prefix, tid or "0", counter, text)
  return wrk.format("POST", "/v1/items", nil, body)
end
