package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Everything the demo says is made up here: people, organisations,
// services and the incident texts. Templates name placeholders in braces,
// such as {site}; see vocab for what each one becomes.

var firstNames = []string{
	"Aaron", "Abigail", "Adele", "Ahmed", "Aisha", "Alan", "Alice", "Amara", "Amir", "Ana",
	"Andrea", "Anton", "Arjun", "Astrid", "Ben", "Bianca", "Bram", "Bruno", "Camille", "Carla",
	"Carlos", "Chen", "Chloe", "Claire", "Daan", "Daniel", "Daria", "David", "Dev", "Diego",
	"Elena", "Eliza", "Emeka", "Emil", "Emma", "Eva", "Fatima", "Felix", "Fiona", "Freya",
	"Gareth", "Grace", "Hamza", "Hannah", "Hugo", "Ian", "Ines", "Isaac", "Ivan", "Jade",
	"James", "Jana", "Javier", "Jonas", "Julia", "Kai", "Karim", "Kate", "Kenji", "Lars",
	"Laura", "Leila", "Leon", "Liam", "Lina", "Lucas", "Lucy", "Maja", "Marco", "Maria",
	"Mark", "Marta", "Mei", "Milan", "Mohammed", "Nadia", "Nina", "Noah", "Nora", "Olivia",
	"Omar", "Oscar", "Paul", "Pedro", "Priya", "Rafael", "Rahul", "Rosa", "Ruth", "Sam",
	"Sara", "Sean", "Sofia", "Stefan", "Tariq", "Tessa", "Theo", "Tom", "Valentina", "Wei",
	"Yara", "Yusuf", "Zoe", "Zainab",
}

var lastNames = []string{
	"Abbott", "Ahmed", "Alvarez", "Andersen", "Baker", "Banerjee", "Bauer", "Bennett", "Berg", "Bianchi",
	"Brennan", "Brooks", "Campbell", "Carter", "Castillo", "Chowdhury", "Clarke", "Costa", "Dalton", "De Vries",
	"Dubois", "Eriksen", "Evans", "Fernandes", "Fischer", "Fleming", "Fraser", "Garcia", "Gill", "Grant",
	"Hansen", "Harper", "Hughes", "Ibrahim", "Iyer", "Jansen", "Jensen", "Kaur", "Keller", "Khan",
	"Kowalski", "Lambert", "Larsen", "Lopez", "Marsh", "Martin", "Mensah", "Meyer", "Moreau", "Morgan",
	"Murphy", "Nakamura", "Novak", "Nowak", "Obi", "O'Brien", "Okafor", "Olsen", "Park", "Patel",
	"Peeters", "Pereira", "Quinn", "Reid", "Rossi", "Russo", "Santos", "Schmidt", "Shah", "Silva",
	"Singh", "Sorensen", "Stewart", "Suzuki", "Tan", "Thomas", "Torres", "Van Dijk", "Vasquez", "Walsh",
	"Ward", "Weber", "Wright", "Yilmaz", "Young", "Zhang", "Zielinski",
}

// orgSpec is one demo organisation. The first runs the shared IT service
// desk: agents and managers work there.
type orgSpec struct {
	Name    string
	Domain  string
	Prefix  string   // asset tag prefix
	Sites   []string // where its people work
	Weight  int      // share of the requesters
	Folders []string // file shares
}

var orgSpecs = []orgSpec{
	{Name: "Northwind Logistics", Domain: "northwind-logistics.example", Prefix: "NWL", Weight: 40,
		Sites:   []string{"Rotterdam depot", "Felixstowe hub", "head office", "Antwerp cross-dock"},
		Folders: []string{"Fleet planning", "Customs documents", "Finance", "Warehouse rota"}},
	{Name: "Larkspur Foods", Domain: "larkspur-foods.example", Prefix: "LSF", Weight: 25,
		Sites:   []string{"Bakery plant", "Leeds distribution centre", "head office", "test kitchen"},
		Folders: []string{"Recipes", "Quality audits", "Finance", "Supplier contracts"}},
	{Name: "Halden Engineering", Domain: "halden-engineering.example", Prefix: "HDE", Weight: 20,
		Sites:   []string{"Drammen workshop", "design studio", "head office", "Aberdeen yard"},
		Folders: []string{"Drawings", "Project bids", "Finance", "Health and safety"}},
	{Name: "Corvid Financial", Domain: "corvid-financial.example", Prefix: "CVF", Weight: 15,
		Sites:   []string{"City office", "Edinburgh branch", "head office", "client suite"},
		Folders: []string{"Client files", "Compliance", "Finance", "Board papers"}},
}

// The assignment groups, the service desk first.
const (
	gDesk       = "Service Desk"
	gNetwork    = "Network"
	gEUC        = "End-User Computing"
	gIAM        = "Identity & Access"
	gApps       = "Applications"
	gDatabase   = "Database"
	gFacilities = "Facilities"
)

type groupSpec struct {
	Name        string
	Description string
	Mailbox     string
	Weight      int // share of the agents
}

var groupSpecs = []groupSpec{
	{gDesk, "First line: phone, chat and walk-ups. Triage, quick fixes and password resets.", "servicedesk", 30},
	{gNetwork, "Wired and wireless networks, VPN, firewalls and the comms rooms.", "network", 12},
	{gEUC, "Laptops, docks, monitors, phones, printers and the standard desktop.", "euc", 20},
	{gIAM, "Accounts, sign-in, multi-factor authentication and permissions.", "iam", 10},
	{gApps, "ERP, email, the HR portal, payroll and the other business applications.", "apps", 14},
	{gDatabase, "Databases and the data warehouse behind reporting.", "dba", 7},
	{gFacilities, "Meeting rooms, audio-visual kit and building access.", "facilities", 7},
}

// categoryTree is the two-level category tree: top level, then its children.
var categoryTree = []struct {
	Name     string
	Children []string
}{
	{"Hardware", []string{"Laptop", "Monitor and dock", "Printer", "Mobile phone"}},
	{"Network", []string{"VPN", "Wi-Fi", "Wired network"}},
	{"Software", []string{"Email", "Office apps", "ERP", "HR and payroll", "Reporting"}},
	{"Access", []string{"Password reset", "Account locked", "Permissions", "Multi-factor"}},
	{"Facilities", []string{"Meeting rooms", "Building access"}},
}

var serviceSpecs = []struct {
	Name, Description, Owner string
}{
	{"Email", "Mailboxes, shared mailboxes, calendars and mail on phones.", gApps},
	{"VPN", "Remote access to the internal network from home and on the road.", gNetwork},
	{"Wi-Fi", "Staff and guest wireless networks at every site.", gNetwork},
	{"ERP", "Orders, purchasing, stock, invoicing and the month-end close.", gApps},
	{"HR Portal", "Holidays, absences, expenses and personal details.", gApps},
	{"Payroll", "Monthly pay runs and payslips.", gApps},
	{"Printing", "Office printers, scanning to email and the print servers.", gEUC},
	{"Single sign-on", "One account and password for every application, with multi-factor sign-in.", gIAM},
	{"Data warehouse", "Nightly loads, dashboards and management reports.", gDatabase},
}

// scenario is one kind of incident people report.
type scenario struct {
	Top, Sub string // category
	Group    string // the resolver group
	Service  string // "" when no service is affected
	Weight   int    // how common it is
	Severity int    // +1: usually more urgent, -1: usually less
	Desk     bool   // the service desk fixes it at first contact
	Hold     string // the usual reason it waits, if it does

	Titles  []string
	Details []string // sentences for the description
	Notes   []string // work notes while investigating
	Fixes   []string // resolution notes when solved
}

var scenarios = []scenario{
	// Hardware / Laptop
	{Top: "Hardware", Sub: "Laptop", Group: gEUC, Weight: 4,
		Titles: []string{"Laptop stuck on the logo screen after updates", "Laptop {pc} will not start", "Laptop restarts in a loop after overnight updates"},
		Details: []string{"It installed updates overnight and now it only shows the logo and restarts.",
			"I held the power button for ten seconds and tried again, same result.",
			"The charging light is on, so it is getting power.", "I have a presentation at {site} later this week and all my slides are on it."},
		Notes: []string{"Device never reaches the OS, so no remote session possible. Asked {first} to drop it at the IT bar.",
			"Firmware update to {fw} failed halfway; recovery mode is available.", "Boot log shows the disk encryption unlock timing out."},
		Fixes: []string{"Restored the firmware from the recovery partition and finished the updates. The laptop starts normally again.",
			"Gave {first} loan laptop {pc2} and re-imaged the original. Files were synced to the file share, so nothing was lost."}},
	{Top: "Hardware", Sub: "Laptop", Group: gEUC, Weight: 3, Severity: -1, Hold: "awaiting_vendor",
		Titles: []string{"Laptop battery lasts less than an hour", "Battery on {pc} drains very quickly"},
		Details: []string{"It was fine last month. Now it goes from full to 20% during a single meeting.",
			"The battery icon says I should consider replacing the battery.", "I am at {site} most days and there are few sockets near the desks."},
		Notes: []string{"Battery report: {pct}% of design capacity and a high cycle count.", "Ordered a replacement battery under warranty, vendor case {ref}."},
		Fixes: []string{"Replaced the battery under warranty. The new battery reports full capacity.", "Swapped the laptop for a refurbished one with a healthy battery."}},
	{Top: "Hardware", Sub: "Laptop", Group: gEUC, Weight: 4,
		Titles: []string{"Laptop very slow since last week", "Everything takes minutes to open on my laptop"},
		Details: []string{"Opening a spreadsheet takes several minutes.", "The fan runs all the time, even with nothing open.",
			"Restarting helps for about an hour.", "It got worse after the update on {weekday}."},
		Notes: []string{"Disk 98% full, {gb} GB in temporary folders.", "Antivirus full scan was scheduled during working hours.",
			"Memory use normal; the sync client was re-indexing {gb} GB in a loop."},
		Fixes: []string{"Cleared {gb} GB of temporary files and moved the virus scan to the night. Start-up time is back to normal.",
			"Reset the sync client cache; the laptop is quick again."}},
	{Top: "Hardware", Sub: "Laptop", Group: gEUC, Weight: 2, Hold: "awaiting_vendor",
		Titles: []string{"Several keys on my laptop keyboard do not work", "Laptop keyboard unreliable"},
		Details: []string{"Some letters only type if I press very hard.", "A little coffee went near the keyboard yesterday, I am not sure if that is related.",
			"An external keyboard works fine."},
		Notes: []string{"Confirmed hardware fault, keyboard replacement booked with the vendor (case {ref}).", "Lent {first} a USB keyboard in the meantime."},
		Fixes: []string{"The vendor engineer replaced the keyboard on site.", "Keyboard replaced at the IT bar; tested every key with {first}."}},

	// Hardware / Monitor and dock
	{Top: "Hardware", Sub: "Monitor and dock", Group: gEUC, Weight: 4,
		Titles: []string{"Second monitor not detected on the docking station", "Screens stay black when I dock my laptop", "Screen flickers when the laptop is docked"},
		Details: []string{"It works if I plug the monitor straight into the laptop.", "This started after I moved to desk {desk}.",
			"Unplugging and re-plugging the dock sometimes helps for a while.", "Both screens flicker every few seconds."},
		Notes: []string{"Dock firmware out of date, on {fw}.", "Display driver two versions behind the standard build.", "Swapped the cable at the desk; no change, so not the cable."},
		Fixes: []string{"Updated the dock firmware and the display driver. Both monitors are detected.", "Replaced the faulty display cable at desk {desk}.",
			"Replaced the docking station at desk {desk}."}},

	// Hardware / Printer
	{Top: "Hardware", Sub: "Printer", Group: gEUC, Service: "Printing", Weight: 6,
		Titles: []string{"Cannot print to the {floor} floor printer", "Print jobs to {printer} stay in the queue", "Nothing comes out of {printer}"},
		Details: []string{"The jobs show as sent but nothing comes out.", "Colleagues on the same floor have the same problem.",
			"Printing to other printers works.", "I need to print delivery paperwork for {site} today."},
		Notes: []string{"Print server queue for {printer} paused after a driver error.", "Printer answers ping; web page shows it waiting for the queue.",
			"Other users on the {floor} floor print fine; the user's laptop has an old driver."},
		Fixes: []string{"Restarted the print spooler on the print server and cleared the stuck jobs. Test page printed.",
			"Re-added {printer} on {first}'s laptop with the current driver; printing works."}},
	{Top: "Hardware", Sub: "Printer", Group: gEUC, Service: "Printing", Weight: 3, Hold: "awaiting_vendor",
		Titles: []string{"Printer {printer} jams on every job", "Paper jam message on {printer} with empty trays"},
		Details: []string{"It jams in tray 2 with a grinding noise.", "It says paper jam even after we emptied every tray.",
			"It is the only colour printer on the {floor} floor."},
		Notes: []string{"Logged a call with the printer vendor, ref {ref}.", "Pickup roller in tray 2 worn; tray 1 works, so set it as the default."},
		Fixes: []string{"The vendor engineer replaced the pickup roller in tray 2. Ran 50 test pages without a jam.",
			"Vendor replaced the fuser unit; printer working."}},
	{Top: "Hardware", Sub: "Printer", Group: gEUC, Service: "Printing", Weight: 2,
		Titles:  []string{"Scan to email not arriving", "Scanned documents never reach my inbox"},
		Details: []string{"The scanner says sent, but the email never arrives.", "It worked until {weekday}.", "I need to scan signed contracts."},
		Notes:   []string{"Mail relay rejects the scanner: its relay credentials expired.", "Scanner address book entry for {first} has an old address."},
		Fixes:   []string{"Updated the scanner's relay credentials; scans arrive within a minute.", "Corrected the address book entry on the scanner."}},

	// Hardware / Mobile phone
	{Top: "Hardware", Sub: "Mobile phone", Group: gDesk, Service: "Email", Weight: 3, Desk: true,
		Titles:  []string{"Company phone not syncing email", "Work email stopped on my phone"},
		Details: []string{"The calendar is not updating either.", "I changed my password on {weekday}.", "I am travelling and rely on the phone."},
		Notes:   []string{"Mail profile on the phone still has the old password.", "Device shows as compliant in the management console."},
		Fixes:   []string{"Re-entered the new password in the phone's mail profile; mail and calendar syncing.", "Removed and re-added the work profile on the phone."}},
	{Top: "Hardware", Sub: "Mobile phone", Group: gEUC, Weight: 2, Severity: -1, Hold: "awaiting_vendor",
		Titles:  []string{"Phone screen cracked, need a replacement", "Company phone will not charge"},
		Details: []string{"I dropped it in the car park at {site}.", "It still works but the glass is sharp.", "It only charges if the cable is held at an angle."},
		Notes:   []string{"Replacement handset ordered.", "Checked: handset within the upgrade window."},
		Fixes:   []string{"Replacement handset issued and set up; the old one was wiped.", "Charging port repaired by the vendor."}},

	// Network / VPN
	{Top: "Network", Sub: "VPN", Group: gNetwork, Service: "VPN", Weight: 6,
		Titles: []string{"VPN disconnects every few minutes", "VPN keeps dropping while working from home"},
		Details: []string{"It reconnects by itself but my calls drop every time.", "My home internet is fine for everything else.",
			"It happens on home Wi-Fi and when tethering to my phone.", "Colleagues on my team have mentioned the same thing."},
		Notes: []string{"Client logs show keep-alive timeouts; user on client {ver}.", "Gateway {gw} reporting high session churn since {weekday}.",
			"Asked {first} to try the wired connection; still drops, so not the home Wi-Fi."},
		Fixes: []string{"Upgraded the VPN client to {ver2}. Connection stable for a full day.",
			"Moved the user to gateway {gw2}; the faulty gateway was taken out of the pool."}},
	{Top: "Network", Sub: "VPN", Group: gNetwork, Service: "VPN", Weight: 4,
		Titles:  []string{"Cannot connect to VPN: {vpnerr}", "VPN fails with {vpnerr}"},
		Details: []string{"It fails while it says authenticating.", "It worked last Friday.", "I have restarted the laptop twice."},
		Notes:   []string{"The device certificate expired yesterday.", "Account is fine, sign-in logs show the certificate check failing."},
		Fixes:   []string{"Renewed the device certificate; VPN connects.", "Re-enrolled the laptop so it received a new certificate; VPN working."}},
	{Top: "Network", Sub: "VPN", Group: gNetwork, Service: "VPN", Weight: 3,
		Titles:  []string{"VPN connected but internal sites do not load", "On VPN but cannot reach the intranet or ERP"},
		Details: []string{"Email works, but the intranet and ERP time out.", "It says connected with a green tick."},
		Notes:   []string{"Split DNS not applied: the client got the home router as its resolver.", "Routes pushed correctly; name resolution is the problem."},
		Fixes:   []string{"Pushed the corrected DNS profile to the client; internal names resolve again."}},
	{Top: "Network", Sub: "VPN", Group: gNetwork, Service: "VPN", Weight: 2, Severity: -1, Hold: "awaiting_problem",
		Titles:  []string{"VPN very slow from {city}", "Remote access painfully slow while travelling"},
		Details: []string{"I am working from {city} this week and everything on the VPN is very slow.", "Web pages outside the VPN load fine."},
		Notes:   []string{"All traffic from {city} lands on a gateway far away; latency over 250 ms.", "Known issue, linked to the problem about regional gateways."},
		Fixes:   []string{"Added the {city2} gateway to the client's list; speed is normal again."}},

	// Network / Wi-Fi
	{Top: "Network", Sub: "Wi-Fi", Group: gNetwork, Service: "Wi-Fi", Weight: 4, Hold: "awaiting_change",
		Titles:  []string{"No Wi-Fi signal in {room}", "Wi-Fi does not reach {room}"},
		Details: []string{"We meet there every morning and have to use our phones as hotspots.", "The signal drops as soon as I walk in."},
		Notes:   []string{"Access point {ap} offline: its switch port lost power.", "Survey shows a dead spot; a new access point needs a change."},
		Fixes:   []string{"Replaced the failed access point {ap} and checked coverage in the room.", "Installed an extra access point; coverage now good."}},
	{Top: "Network", Sub: "Wi-Fi", Group: gNetwork, Service: "Wi-Fi", Weight: 3, Severity: 1,
		Titles:  []string{"Wi-Fi keeps dropping at {site}", "Handheld scanners lose Wi-Fi at {site}"},
		Details: []string{"The scanners on the floor lose connection every few minutes.", "Work on the floor is slowing down because of it.", "It started this morning."},
		Notes:   []string{"Channel interference from a new neighbouring network.", "Controller at {site} shows clients roaming constantly between two access points."},
		Fixes:   []string{"Re-planned the channels on the {site} controller; no drops since.", "Adjusted roaming thresholds; scanners stay connected."}},
	{Top: "Network", Sub: "Wi-Fi", Group: gNetwork, Service: "Wi-Fi", Weight: 2, Severity: -1,
		Titles:  []string{"Guest Wi-Fi login page not loading", "Visitors cannot get onto guest Wi-Fi"},
		Details: []string{"We have visitors at {site} and the sign-in page never appears.", "It shows a certificate warning."},
		Notes:   []string{"Captive portal certificate expired last night."},
		Fixes:   []string{"Renewed the captive portal certificate; guests can sign in."}},

	// Network / Wired network
	{Top: "Network", Sub: "Wired network", Group: gNetwork, Weight: 2, Severity: -1,
		Titles:  []string{"Network port at desk {desk} not working", "No network at my new desk ({desk})"},
		Details: []string{"The laptop says the cable is unplugged.", "Other ports nearby work."},
		Notes:   []string{"Port not patched in the comms room.", "Floor port patched to a switch port in the wrong network."},
		Fixes:   []string{"Patched desk {desk} to the switch; link is up.", "Moved the port to the staff network; laptop online."}},
	{Top: "Network", Sub: "Wired network", Group: gNetwork, Weight: 1, Severity: 1,
		Titles:  []string{"Whole {floor} floor lost network", "Nobody on the {floor} floor has network"},
		Details: []string{"Nobody on the floor can reach anything, wired or desk phones.", "It went off around {time}."},
		Notes:   []string{"Switch {sw} in the comms room is rebooting in a loop.", "Power supply in {sw} failing; moved the uplink to the spare."},
		Fixes:   []string{"Replaced the power supply in {sw}; all ports back up.", "Swapped {sw} for the spare switch and restored its configuration."}},

	// Software / Email
	{Top: "Software", Sub: "Email", Group: gDesk, Service: "Email", Weight: 5, Desk: true,
		Titles:  []string{"Outlook keeps asking for my password", "Password prompt pops up every few minutes"},
		Details: []string{"I type it in and it comes back a few minutes later.", "It started after my password change.", "Webmail works fine."},
		Notes:   []string{"Cached credentials from before the password change.", "Profile corrupt; rebuilding it."},
		Fixes:   []string{"Cleared the cached credentials and rebuilt the mail profile; the prompt is gone."}},
	{Top: "Software", Sub: "Email", Group: gApps, Service: "Email", Weight: 2,
		Titles:  []string{"Emails to {partner} bounce back", "Mail to {partner} rejected"},
		Details: []string{"The bounce says the message was rejected.", "We need to send them order confirmations every day.", "Other external addresses work."},
		Notes:   []string{"Recipient rejects us: our sender policy record lacks the new relay.", "Message trace shows rejection at their gateway."},
		Fixes:   []string{"Added the new relay to our sender policy record; test mails to {partner} delivered."}},
	{Top: "Software", Sub: "Email", Group: gIAM, Service: "Email", Weight: 3,
		Titles:  []string{"Shared mailbox {mailbox} missing in Outlook", "Cannot open the {mailbox} mailbox"},
		Details: []string{"My colleague can see it, I cannot.", "I joined the team on {weekday}.", "It was there until last week."},
		Notes:   []string{"{first} is not in the mailbox's access group.", "Access granted but auto-mapping disabled for this mailbox."},
		Fixes:   []string{"Granted full access on {mailbox}; it appears after restarting Outlook."}},
	{Top: "Software", Sub: "Email", Group: gDesk, Service: "Email", Weight: 2, Desk: true, Severity: -1,
		Titles:  []string{"Mailbox full, cannot send email", "Warning that my mailbox is almost full"},
		Details: []string{"I get a warning every time I open Outlook.", "I keep every email for audits."},
		Notes:   []string{"Mailbox at 49.6 of 50 GB.", "Online archive not yet enabled for this user."},
		Fixes:   []string{"Enabled the online archive and moved mail older than two years into it."}},

	// Software / Office apps
	{Top: "Software", Sub: "Office apps", Group: gEUC, Weight: 3,
		Titles:  []string{"Excel crashes when opening {file}", "Spreadsheet {file} closes Excel straight away"},
		Details: []string{"Other files open fine.", "A colleague can open the same file.", "It has macros in it."},
		Notes:   []string{"Crash report points to {addin}.", "Safe mode opens the file fine."},
		Fixes:   []string{"Disabled {addin}; the file opens normally.", "Repaired the office installation and updated it."}},
	{Top: "Software", Sub: "Office apps", Group: gEUC, Weight: 3, Severity: -1,
		Titles:  []string{"Echo on every video call", "People cannot hear me in online meetings"},
		Details: []string{"It happens with my headset plugged in.", "It started with the new headset."},
		Notes:   []string{"Laptop speakers and microphone selected instead of the headset.", "Headset firmware out of date."},
		Fixes:   []string{"Updated the headset firmware and made it the default device.", "Set the correct audio devices in the meeting app; test call fine."}},

	// Software / ERP
	{Top: "Software", Sub: "ERP", Group: gApps, Service: "ERP", Weight: 3, Severity: 1,
		Titles:  []string{"Purchase order approvals stuck in ERP", "POs waiting for approval do not move"},
		Details: []string{"About {n} orders have been waiting since yesterday.", "Suppliers are chasing us.", "The approvers say they have approved them."},
		Notes:   []string{"Approval workflow job stopped after the {weekday} patch.", "Asked the Database team to check locks on the approvals table."},
		Fixes:   []string{"Restarted the approval workflow job and reprocessed {n} stuck orders."}},
	{Top: "Software", Sub: "ERP", Group: gApps, Service: "ERP", Weight: 3, Hold: "awaiting_change",
		Titles:  []string{"ERP very slow when posting invoices", "Invoice posting in ERP takes minutes"},
		Details: []string{"Posting one invoice takes two or three minutes.", "It is month end and we have hundreds to post.", "Other screens are fine."},
		Notes:   []string{"Long-running query on invoice lines: index missing since the upgrade.", "Fix needs a change in the next maintenance window."},
		Fixes:   []string{"The database team added the missing index; posting takes seconds again."}},
	{Top: "Software", Sub: "ERP", Group: gApps, Service: "ERP", Weight: 3,
		Titles:  []string{"ERP error {erpcode} when creating a delivery note", "Cannot create delivery notes: error {erpcode}"},
		Details: []string{"It happens for one customer only.", "The lorry for {site} is waiting for the paperwork."},
		Notes:   []string{"Customer master data has an invalid shipping address.", "Reproduced in the test system with the same customer."},
		Fixes:   []string{"Corrected the customer's shipping address; delivery notes can be created."}},
	{Top: "Software", Sub: "Reporting", Group: gDatabase, Service: "Data warehouse", Weight: 3,
		Titles:  []string{"Sales dashboard not updated since {weekday}", "Dashboards show yesterday's figures"},
		Details: []string{"The management meeting uses it this morning.", "The refresh date at the top has not changed."},
		Notes:   []string{"Nightly load failed: the source extract timed out.", "Load job succeeded but the cube refresh was skipped."},
		Fixes:   []string{"Re-ran the nightly load; the dashboard is current. Added a retry to the extract."}},
	{Top: "Software", Sub: "Reporting", Group: gDatabase, Service: "Data warehouse", Weight: 2, Hold: "awaiting_change",
		Titles:  []string{"Weekly KPI report times out", "Month-end stock report fails to run"},
		Details: []string{"It runs for ten minutes and then fails.", "It worked last week."},
		Notes:   []string{"Query plan changed after statistics refresh.", "Rewriting the query; needs a change to deploy."},
		Fixes:   []string{"Rewrote the query and moved the report to the reporting replica; it runs in under a minute."}},

	// Software / HR and payroll
	{Top: "Software", Sub: "HR and payroll", Group: gApps, Service: "HR Portal", Weight: 2, Severity: -1,
		Titles:  []string{"HR portal shows the wrong holiday balance", "Holiday balance missing my carried-over days"},
		Details: []string{"I should have {n} days left.", "My manager agreed the carry-over in writing."},
		Notes:   []string{"Carry-over import skipped this employee."},
		Fixes:   []string{"Last year's carry-over had not been imported; balance corrected."}},
	{Top: "Software", Sub: "HR and payroll", Group: gApps, Service: "Payroll", Weight: 2,
		Titles:  []string{"Payslip for {month} not visible in the HR portal", "Cannot see my latest payslip"},
		Details: []string{"Colleagues can see theirs.", "I need it for a mortgage application."},
		Notes:   []string{"Publication job skipped employees who changed department this month."},
		Fixes:   []string{"Re-ran the payslip publication for the affected employees; payslip visible."}},
	{Top: "Software", Sub: "HR and payroll", Group: gApps, Service: "HR Portal", Weight: 2,
		Titles:  []string{"Cannot submit expense claim", "Expense claim stuck in draft"},
		Details: []string{"The submit button does nothing.", "It has {n} receipts attached."},
		Notes:   []string{"Approver field empty: {first}'s manager left the company."},
		Fixes:   []string{"Updated the reporting line; the claim submitted and went to the new manager."}},

	// Access
	{Top: "Access", Sub: "Password reset", Group: gDesk, Service: "Single sign-on", Weight: 7, Desk: true,
		Titles:  []string{"Password expired and self-service reset fails", "Forgot my password after holiday", "Password reset link never arrives"},
		Details: []string{"The reset page says my phone number is not registered.", "I have been away for three weeks.", "I cannot log in to anything."},
		Notes:   []string{"Identity confirmed by calling back on the number in the HR record."},
		Fixes: []string{"Verified identity by call-back and issued a temporary password; {first} set a new one.",
			"Registered {first}'s phone for self-service reset and walked through the reset."}},
	{Top: "Access", Sub: "Account locked", Group: gDesk, Service: "Single sign-on", Weight: 5, Desk: true,
		Titles:  []string{"Account locked out again", "Locked out this morning"},
		Details: []string{"I only typed it wrong once.", "This is the third time this week."},
		Notes:   []string{"Lockouts come from an old session on {pc} with the previous password.", "Sign-in logs show failures from a phone every 15 minutes."},
		Fixes:   []string{"Signed out the stale session on {pc}; no lockouts since.", "Updated the password on the phone's mail app; no further lockouts."}},
	{Top: "Access", Sub: "Permissions", Group: gIAM, Weight: 4, Severity: -1, Hold: "awaiting_requester",
		Titles:  []string{"Need access to the {folder} folder", "Access denied to {folder} after moving team"},
		Details: []string{"I moved teams on {weekday}.", "My manager has agreed.", "I could open it last month."},
		Notes:   []string{"Needs approval from the folder owner; asked for it.", "Old team's groups still on the account; new team's missing."},
		Fixes:   []string{"Added to the {folder} access group after the folder owner approved.", "Replaced the old team's groups with the new team's."}},
	{Top: "Access", Sub: "Multi-factor", Group: gIAM, Service: "Single sign-on", Weight: 3,
		Titles:  []string{"Not getting sign-in approval prompts on my phone", "Authenticator codes rejected"},
		Details: []string{"I got a new phone last week.", "It says the code is wrong every time."},
		Notes:   []string{"Authenticator registered to the old phone only.", "Phone clock is several minutes off."},
		Fixes:   []string{"Reset the multi-factor registration; {first} enrolled the new phone.", "Set the phone to automatic time; codes accepted."}},

	// Facilities
	{Top: "Facilities", Sub: "Meeting rooms", Group: gFacilities, Weight: 3,
		Titles:  []string{"Screen in {room} does not show my laptop", "Video conference camera in {room} not working"},
		Details: []string{"We have a client meeting there at {time}.", "It worked yesterday.", "The screen says no signal."},
		Notes:   []string{"HDMI adapter in the room is damaged.", "Room controller needed a restart after a power cut."},
		Fixes:   []string{"Replaced the HDMI adapter in {room}.", "Restarted the room controller and updated the camera firmware."}},
	{Top: "Facilities", Sub: "Building access", Group: gFacilities, Weight: 2,
		Titles:  []string{"Badge does not open the side door at {site}", "Door badge stopped working"},
		Details: []string{"It works on the main entrance.", "The reader flashes red."},
		Notes:   []string{"Access profile for {site} missing after the site move."},
		Fixes:   []string{"Re-encoded the badge and added the {site} access profile."}},
}

// Generic texts, used across scenarios.
var (
	greetings = []string{"", "", "Hi,", "Hello,", "Hi service desk,", "Good morning,"}
	sinceWhen = []string{"This started this morning.", "It has been like this since yesterday afternoon.",
		"It started after the update on {weekday}.", "It has happened on and off for about a week.", "It began around {time} today."}
	urgencyLines = map[int][]string{ // by urgency level: 1 high, 2 medium, 3 low
		1: {"It is stopping me from working.", "A customer is waiting on this.", "The whole team is affected.", "Please treat this as urgent."},
		2: {"I can work around it for now, but it slows me down.", "Not blocking me yet, but it is getting in the way.", ""},
		3: {"Not urgent, but it would be good to have it fixed.", "No rush.", "When you have time, please.", ""},
	}
	signOffs    = []string{"Thanks, {first}", "Regards, {first}", "{first}", "Thank you!", "Many thanks, {first}"}
	phoneIntros = []string{"{first} phoned the service desk:", "Walk-up at the IT bar. {first} reports:", "{first} called in and said:", "From a chat with {first}:"}
	acks        = []string{"Hi {first}, thanks for reporting this. I am picking it up now and will update you soon.",
		"Hello {first}, I have taken this one and am looking into it.", "Thanks {first}. I am on it.",
		"Hi {first}, I can see the problem and I am working on it now.", "Hi {first}, {agent} here from {group}. I will be handling this."}
	asks = []string{"Could you tell me roughly when it last happened?", "Is anyone near you seeing the same thing?",
		"Could you send me the exact error message?", "What is the asset tag on the device? It is on the sticker underneath.",
		"Does it still happen after a restart?", "Are you in the office or working from home today?"}
	replies = []string{"It last happened at {time}.", "Yes, {colleague} next to me has the same problem.",
		"I restarted twice, no change.", "The asset tag is {pc}.", "It seems to happen mostly in the morning.",
		"I am at {site} today, you can come by any time.", "Working from home today, but I am free for a call."}
	reopenLines = []string{"Sorry, it is happening again since this morning.", "It worked for a day but the problem is back.",
		"This has come back, same as before."}
	genericNotes = []string{"Checked the event logs on {pc}; nothing relevant before the error.", "Reproduced the problem in a remote session.",
		"Searched the known errors; nothing matching.", "Spoke to {first} by phone to confirm the details.",
		"No recent changes on our side that would explain this.", "Tested with a spare account; same behaviour, so not account specific."}
	holdComments = map[string][]string{
		"awaiting_requester": {"I will keep this on hold until you are back at your desk. Just reply here when you are ready to test.",
			"Putting this on hold until we hear back from you.", "Waiting for your manager's approval before I can go ahead."},
		"awaiting_vendor": {"We have logged this with the vendor (reference {ref}) and are waiting for them.",
			"The part is on order; the vendor expects delivery in a few days."},
		"awaiting_change": {"The fix needs a planned change, scheduled for {weekday} evening. I will update you once it is done.",
			"We need a maintenance window for this; it is booked for {weekday}."},
		"awaiting_problem": {"This matches a known issue that is being investigated as a problem. We will update you when there is a permanent fix.",
			"Linked to an ongoing problem investigation; we will come back to you when the root cause is fixed."},
	}
	holdBackReplies = []string{"I am back at my desk now, happy to test.", "Sorry for the delay, I can test now.", "Approval attached to the email thread, my manager has agreed."}
	resumeNotes     = map[string][]string{
		"awaiting_requester": {"{first} replied; resuming."},
		"awaiting_vendor":    {"Vendor came back; continuing.", "Part delivered; booking the fix."},
		"awaiting_change":    {"Change implemented; testing with {first}."},
		"awaiting_problem":   {"Problem fix deployed; checking this incident."},
	}
	triageNotes   = []string{"Triage: looks like one for {group}.", "Assigning to {group} based on the symptoms.", "Checked basics with {first}; passing to {group}."}
	reassignNotes = []string{"Not one for {wrong_group}; passing to {group}.", "Wrong queue; {group} owns this.",
		"After a look, this needs {group}. Reassigning."}
	urgencyNotes  = []string{"Raising urgency: it affects customer deliveries.", "Raising urgency: several people blocked.", "Raising urgency at {first}'s request: deadline today."}
	cancelReasons = []string{"Raised twice by mistake.", "The requester says it was planned maintenance.",
		"Logged against the wrong person; a new incident was raised.", "Turned out to be a request, not an incident; raised it in the catalogue instead."}
	otherResolutions = map[string][]string{
		"workaround": {"Workaround in place while the root cause is investigated.", "Applied a temporary fix that restores service; the permanent fix will follow under a problem record."},
		"not_reproducible": {"Could not reproduce it while testing with {first}. Please reopen if it happens again.",
			"Everything worked during a remote session with {first}; no fault found."},
		"user_error":       {"Walked {first} through the right steps; nothing was broken.", "Settings had been changed by mistake; put them back and showed {first} how."},
		"no_action_needed": {"Cleared itself after the overnight maintenance; no action needed.", "{first} confirmed the problem went away on its own."},
		"duplicate":        {"Same issue as an incident we are already working on; following up there."},
	}
)

var (
	weekdays = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}
	months   = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	cities   = []string{"Hamburg", "Lyon", "Gdansk", "Porto", "Madrid", "Oslo", "Dublin", "Milan"}
	rooms    = []string{"the Harbour room", "the Atlas room", "the boardroom", "training room B", "the Quayside room", "the Lighthouse room"}
	partners = []string{"kestrel-freight.example", "ambermill.example", "vantage-parts.example", "bluegate-supplies.example"}
	boxes    = []string{"orders", "accounts-payable", "recruitment", "customer-care", "planning"}
	files    = []string{"Q3 forecast.xlsx", "Budget v4.xlsx", "Fleet costs.xlsx", "Supplier rates.xlsx", "Stock count.xlsx"}
	addins   = []string{"the PDF export add-in", "the ERP reporting add-in", "an old macro add-in"}
	vpnErrs  = []string{"error 809", "error 812", "TLS handshake failed", "authentication timed out"}
)

// vars fills the placeholders of one incident's texts. A placeholder keeps
// its value for the whole incident, so {site} in the title and in a later
// note is the same site.
type vars struct {
	r    *rand.Rand
	org  *orgSpec
	memo map[string]string
	nums map[string]int
}

func newVars(r *rand.Rand, org *orgSpec, fixed map[string]string) *vars {
	v := &vars{r: r, org: org, memo: map[string]string{}, nums: map[string]int{}}
	for k, s := range fixed {
		v.memo[k] = s
	}
	return v
}

// vocab makes a value for each placeholder.
var vocab = map[string]func(v *vars) string{
	"floor":   func(v *vars) string { return ordinal(v.num("floorn", 1, 6)) },
	"printer": func(v *vars) string { return fmt.Sprintf("PRN-%d-%02d", v.num("floorn", 1, 6), 1+v.r.IntN(4)) },
	"ap":      func(v *vars) string { return fmt.Sprintf("AP-%d-%02d", v.num("floorn", 1, 6), 1+v.r.IntN(12)) },
	"sw":      func(v *vars) string { return fmt.Sprintf("SW-%dF-%02d", v.num("floorn", 1, 6), 1+v.r.IntN(3)) },
	"room":    func(v *vars) string { return pick(v.r, rooms) },
	"site":    func(v *vars) string { return pick(v.r, v.org.Sites) },
	"folder":  func(v *vars) string { return pick(v.r, v.org.Folders) },
	"pc":      func(v *vars) string { return fmt.Sprintf("%s-LT-%05d", v.org.Prefix, v.r.IntN(100000)) },
	"pc2":     func(v *vars) string { return fmt.Sprintf("%s-LT-%05d", v.org.Prefix, v.r.IntN(100000)) },
	"desk": func(v *vars) string {
		return fmt.Sprintf("%c-%d%02d", 'A'+rune(v.r.IntN(4)), v.num("floorn", 1, 6), 1+v.r.IntN(40))
	},
	"fw": func(v *vars) string {
		return fmt.Sprintf("version %d.%d.%d", 1+v.r.IntN(3), v.r.IntN(10), v.r.IntN(20))
	},
	"pct":         func(v *vars) string { return fmt.Sprint(38 + v.r.IntN(30)) },
	"gb":          func(v *vars) string { return fmt.Sprint(8 + v.r.IntN(40)) },
	"n":           func(v *vars) string { return fmt.Sprint(4 + v.r.IntN(40)) },
	"ref":         func(v *vars) string { return fmt.Sprintf("case %07d", v.r.IntN(10000000)) },
	"ver":         func(v *vars) string { return fmt.Sprintf("5.%d.%d", v.num("vminor", 1, 4), v.r.IntN(9)) },
	"ver2":        func(v *vars) string { return fmt.Sprintf("5.%d.0", v.num("vminor", 1, 4)+1) },
	"gw":          func(v *vars) string { return fmt.Sprintf("vpn-gw-%02d", v.num("gwn", 1, 4)) },
	"gw2":         func(v *vars) string { return fmt.Sprintf("vpn-gw-%02d", v.num("gwn", 1, 4)+4) },
	"vpnerr":      func(v *vars) string { return pick(v.r, vpnErrs) },
	"city":        func(v *vars) string { return cities[v.num("cityn", 0, len(cities)-1)] },
	"city2":       func(v *vars) string { return cities[(v.num("cityn", 0, len(cities)-1)+1)%len(cities)] },
	"partner":     func(v *vars) string { return pick(v.r, partners) },
	"mailbox":     func(v *vars) string { return pick(v.r, boxes) + "@" + v.org.Domain },
	"file":        func(v *vars) string { return pick(v.r, files) },
	"addin":       func(v *vars) string { return pick(v.r, addins) },
	"erpcode":     func(v *vars) string { return fmt.Sprintf("E%04d", 1000+v.r.IntN(9000)) },
	"weekday":     func(v *vars) string { return pick(v.r, weekdays) },
	"month":       func(v *vars) string { return pick(v.r, months) },
	"time":        func(v *vars) string { return fmt.Sprintf("%02d:%02d", 7+v.r.IntN(11), 5*v.r.IntN(12)) },
	"colleague":   func(v *vars) string { return pick(v.r, firstNames) },
	"first":       func(v *vars) string { return "there" },
	"agent":       func(v *vars) string { return "the service desk" },
	"group":       func(v *vars) string { return gDesk },
	"wrong_group": func(v *vars) string { return gDesk },
}

// num returns a number from lo to hi kept under key, so that related
// placeholders ({floor}, {printer}) agree.
func (v *vars) num(key string, lo, hi int) int {
	if n, ok := v.nums[key]; ok {
		return n
	}
	n := lo + v.r.IntN(hi-lo+1)
	v.nums[key] = n
	return n
}

func (v *vars) get(key string) (string, bool) {
	if s, ok := v.memo[key]; ok {
		return s, true
	}
	f, ok := vocab[key]
	if !ok {
		return "", false
	}
	s := f(v)
	v.memo[key] = s
	return s, true
}

// expand fills tpl's placeholders; an unknown one is left as it is.
func (v *vars) expand(tpl string) string {
	out := make([]byte, 0, len(tpl)+32)
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			return string(append(out, tpl...))
		}
		j := strings.IndexByte(tpl[i:], '}')
		if j < 0 {
			return string(append(out, tpl...))
		}
		out = append(out, tpl[:i]...)
		if s, ok := v.get(tpl[i+1 : i+j]); ok {
			out = append(out, s...)
		} else {
			out = append(out, tpl[i:i+j+1]...)
		}
		tpl = tpl[i+j+1:]
	}
}

func ordinal(n int) string {
	switch n {
	case 1:
		return "1st"
	case 2:
		return "2nd"
	case 3:
		return "3rd"
	}
	return fmt.Sprintf("%dth", n)
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }
