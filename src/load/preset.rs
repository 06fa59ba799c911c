//! Presets: for each vendor, the header aliases of every logical column and the usual
//! disposition values. A config names a preset per source and overrides any column by name.
//!
//! Aliases are tried in order and matched exactly (trimmed, case-insensitive), so each list
//! starts with the most specific header: a report label or API name the vendor writes, then the
//! custom-field names teams usually give a column the vendor has no standard field for (an MQL
//! date, a rejection reason), and last a broad fallback such as `Email`. An alias never grabs a
//! look-alike column (`Email` does not match `Email Opt Out`). Keys: a preset prefers the record
//! id its own exports carry on every file of the vendor (Salesforce `Lead ID` / `WhoId`, HubSpot
//! `Record ID` / `Record ID - Contact`, Zoho `Record Id` / `LEADID`); the MAP-only presets and
//! the CRMs whose activity exports carry no lead id key on the e-mail. A config that joins two
//! vendors on the e-mail names `key = "Email"` where an id would win.

use crate::config::Source;

/// A logical column and the headers that may carry it, tried in order.
pub type ColumnAliases = (&'static str, &'static [&'static str]);

/// One vendor's layout.
#[derive(Debug)]
pub struct Preset {
    /// The preset's name in the config.
    pub name: &'static str,
    /// Marketing columns.
    pub marketing: &'static [ColumnAliases],
    /// CRM columns.
    pub crm: &'static [ColumnAliases],
    /// Activity columns.
    pub activities: &'static [ColumnAliases],
    /// Usual accepted dispositions, used when `[sales]` names none.
    pub accepted: &'static [&'static str],
    /// Usual rejected dispositions, used when `[sales]` names none.
    pub rejected: &'static [&'static str],
}

impl Preset {
    /// The columns this preset knows for a source.
    pub fn columns(&self, source: Source) -> &'static [ColumnAliases] {
        match source {
            Source::Marketing => self.marketing,
            Source::Crm => self.crm,
            Source::Activities => self.activities,
        }
    }
}

/// The `generic` layout: headers spelled like the logical columns.
const GENERIC: Preset = Preset {
    name: "generic",
    marketing: &[
        ("key", &["key", "email"]),
        ("handed_over_at", &["handed_over_at", "handed over at"]),
        ("mql", &["mql"]),
        ("created_at", &["created_at", "created at"]),
    ],
    crm: &[
        ("key", &["key", "email"]),
        ("owner", &["owner"]),
        ("assigned_at", &["assigned_at", "assigned at"]),
        ("disposition", &["disposition"]),
        (
            "disposition_reason",
            &["disposition_reason", "disposition reason"],
        ),
        ("disposition_at", &["disposition_at", "disposition at"]),
        ("first_touch_at", &["first_touch_at", "first touch at"]),
    ],
    activities: &[
        ("key", &["key", "email"]),
        ("at", &["at", "date"]),
        ("type", &["type"]),
        ("owner", &["owner"]),
        ("subject", &["subject"]),
        ("outcome", &["outcome"]),
    ],
    accepted: &[],
    rejected: &[],
};

// Salesforce Sales Cloud. Labels of report exports ("Details Only") and API names of Data Loader,
// Bulk API and Data Export files, from the Salesforce field reference of Lead and Task
// (`Lead ID`/`Id`, `Lead Owner`/`OwnerId`, `Lead Status`/`Status`, `Create Date`/`CreatedDate`;
// Task `Name`/`WhoId`, `Due Date`/`ActivityDate`, `CompletedDateTime`, `Call Result`/
// `CallDisposition`, `Assigned To`/`OwnerId`). The Lead has no MQL date, assignment time or
// rejection reason: the aliases there are the usual custom fields (`MQL Date` / `MQL_Date__c`).
// Dispositions: the default Lead Status picklist and the newer New/Working/Nurturing/
// Qualified/Unqualified one.
const SALESFORCE: Preset = Preset {
    name: "salesforce",
    marketing: &[
        ("key", &["Lead ID", "Id", "Contact ID", "Email"]),
        (
            "handed_over_at",
            &[
                "MQL Date",
                "MQL_Date__c",
                "MQL Date/Time",
                "MQL_Date_Time__c",
                "Marketing_Qualified_Date__c",
                "Marketing Qualified Date",
            ],
        ),
        ("mql", &["Is MQL", "Is_MQL__c", "MQL__c", "MQL"]),
        (
            "created_at",
            &["CreatedDate", "Create Date", "Created Date"],
        ),
    ],
    crm: &[
        ("key", &["Lead ID", "Id", "Contact ID", "Email"]),
        (
            "owner",
            &[
                "Lead Owner",
                "Owner.Name",
                "Owner Name",
                "Contact Owner",
                "OwnerId",
                "Owner ID",
            ],
        ),
        (
            "assigned_at",
            &[
                "Assigned Date",
                "Assigned_Date__c",
                "Owner_Assigned_Date__c",
                "Owner Assigned Date",
                "LastTransferDate",
                "Last Transfer Date",
            ],
        ),
        ("disposition", &["Lead Status", "Status"]),
        (
            "disposition_reason",
            &[
                "Unqualified Reason",
                "Unqualified_Reason__c",
                "Disqualified Reason",
                "Disqualified_Reason__c",
                "Rejection Reason",
                "Rejection_Reason__c",
            ],
        ),
        (
            "disposition_at",
            &[
                "Status Changed",
                "Status_Changed__c",
                "Status_Change_Date__c",
                "Status Change Date",
                "Lead Status Changed",
            ],
        ),
        (
            "first_touch_at",
            &[
                "First Touch Date",
                "First_Touch_Date__c",
                "FirstCallDateTime",
                "First Call Date",
            ],
        ),
    ],
    activities: &[
        (
            "key",
            &[
                "WhoId",
                "Who ID",
                "Lead ID",
                "Contact ID",
                "Who.Email",
                "Email",
            ],
        ),
        (
            "at",
            &[
                "CompletedDateTime",
                "Completed Date/Time",
                "ActivityDateTime",
                "ActivityDate",
                "Date",
                "Due Date",
            ],
        ),
        (
            "type",
            &[
                "Type",
                "Task Type",
                "Activity Type",
                "TaskSubtype",
                "Task Subtype",
            ],
        ),
        (
            "owner",
            &["Owner.Name", "Assigned", "Assigned To", "OwnerId"],
        ),
        ("subject", &["Subject"]),
        ("outcome", &["CallDisposition", "Call Result"]),
    ],
    accepted: &[
        "Working - Contacted",
        "Closed - Converted",
        "Working",
        "Qualified",
        "Converted",
    ],
    rejected: &["Closed - Not Converted", "Unqualified", "Disqualified"],
};

// HubSpot contacts and activities, labels and internal names (`Record ID`/`hs_object_id`,
// `Contact owner`/`hubspot_owner_id`, `Lead Status`/`hs_lead_status`, `Create Date`/
// `createdate`, `Became a Marketing Qualified Lead Date`/
// `hs_lifecyclestage_marketingqualifiedlead_date`, `Owner assigned date`/
// `hubspot_owner_assigneddate`; engagements `Activity date`/`hs_timestamp`, `Activity assigned
// to`, `Call outcome`/`hs_call_disposition`) from HubSpot's default property lists. An export
// with associated records names the contact's id `Record ID - Contact`. Dispositions: the
// default `hs_lead_status` options, as labels and as internal values.
const HUBSPOT: Preset = Preset {
    name: "hubspot",
    marketing: &[
        ("key", &["Record ID", "hs_object_id", "Contact ID", "Email"]),
        (
            "handed_over_at",
            &[
                "Became a Marketing Qualified Lead Date",
                "hs_lifecyclestage_marketingqualifiedlead_date",
                "hs_v2_date_entered_marketingqualifiedlead",
                "MQL Date",
            ],
        ),
        ("mql", &["Is MQL", "is_mql", "MQL"]),
        ("created_at", &["Create Date", "createdate"]),
    ],
    crm: &[
        ("key", &["Record ID", "hs_object_id", "Contact ID", "Email"]),
        ("owner", &["Contact owner", "hubspot_owner_id"]),
        (
            "assigned_at",
            &["Owner assigned date", "hubspot_owner_assigneddate"],
        ),
        ("disposition", &["Lead Status", "hs_lead_status"]),
        (
            "disposition_reason",
            &[
                "Unqualified Reason",
                "unqualified_reason",
                "Disqualification Reason",
                "Lead Status Reason",
            ],
        ),
        (
            "disposition_at",
            &[
                "Lead Status Changed",
                "lead_status_changed",
                "Lead Status Change Date",
                "Status Changed",
            ],
        ),
        (
            "first_touch_at",
            &[
                "Date of first engagement",
                "hs_sa_first_engagement_date",
                "First Touch Date",
            ],
        ),
    ],
    activities: &[
        (
            "key",
            &[
                "Record ID - Contact",
                "Associated Contact ID",
                "Contact ID",
                "Email",
            ],
        ),
        ("at", &["Activity date", "hs_timestamp"]),
        (
            "type",
            &[
                "Activity type",
                "Engagement type",
                "hs_engagement_type",
                "Call and meeting type",
                "hs_activity_type",
            ],
        ),
        ("owner", &["Activity assigned to", "hubspot_owner_id"]),
        (
            "subject",
            &[
                "Subject",
                "Call Title",
                "hs_call_title",
                "Email subject",
                "hs_email_subject",
                "Meeting name",
                "hs_meeting_title",
            ],
        ),
        (
            "outcome",
            &[
                "Call outcome",
                "hs_call_disposition",
                "Meeting outcome",
                "hs_meeting_outcome",
            ],
        ),
    ],
    accepted: &[
        "In Progress",
        "IN_PROGRESS",
        "Open Deal",
        "OPEN_DEAL",
        "Connected",
        "CONNECTED",
    ],
    rejected: &["Unqualified", "UNQUALIFIED", "Bad Timing", "BAD_TIMING"],
};

// Marketo Engage: Bulk Lead Extract API names and "Export People" labels from Adobe's list of
// standard fields (`email`/`Email Address`, `createdAt`/`Created At`, `leadStatus`/`Lead Status`,
// the Lead Owner fields synced from the CRM); the fixed Bulk Activity Extract header (`leadId`,
// `activityDate`, `activityTypeId`, `primaryAttributeValue`). Marketo keeps no MQL date: the
// aliases are the usual custom fields. Dispositions: the revenue-cycle statuses sales sets.
const MARKETO: Preset = Preset {
    name: "marketo",
    marketing: &[
        ("key", &["email", "Email Address"]),
        (
            "handed_over_at",
            &["mqlDate", "MQL Date", "MQL_Date__c", "mqlDateTime"],
        ),
        ("mql", &["isMQL", "Is MQL", "MQL"]),
        ("created_at", &["createdAt", "Created At"]),
    ],
    crm: &[
        ("key", &["email", "Email Address"]),
        (
            "owner",
            &["leadOwnerEmailAddress", "Lead Owner Email Address"],
        ),
        ("disposition", &["leadStatus", "Lead Status"]),
        (
            "disposition_reason",
            &[
                "disqualifiedReason",
                "Disqualified Reason",
                "Unqualified Reason",
            ],
        ),
    ],
    activities: &[
        ("key", &["leadId", "Lead ID"]),
        ("at", &["activityDate", "Activity Date"]),
        ("type", &["activityTypeId", "Activity Type"]),
        (
            "subject",
            &["primaryAttributeValue", "Primary Attribute Value"],
        ),
    ],
    accepted: &["Sales Accepted", "SAL", "Sales Qualified", "SQL"],
    rejected: &["Disqualified", "Rejected", "Recycled"],
};

// Marketing Cloud Account Engagement (Pardot): prospect export labels (`Prospect Id`, `Email`,
// `Created Date`, `Assigned User`) and the Export API's names (`created_at`, `assigned_user`;
// v5 `createdAt`). Prospects carry no MQL date nor sales verdict; its exports hold no sales
// activities, so the preset knows no activity columns and no dispositions.
const PARDOT: Preset = Preset {
    name: "pardot",
    marketing: &[
        ("key", &["Email", "Prospect Id"]),
        (
            "handed_over_at",
            &["MQL Date", "mql_date", "MQL_Date__c", "mqlDate"],
        ),
        ("mql", &["Is MQL", "is_mql", "MQL"]),
        ("created_at", &["Created Date", "created_at", "createdAt"]),
    ],
    crm: &[
        ("key", &["Email", "Prospect Id"]),
        ("owner", &["Assigned User", "assigned_user"]),
    ],
    activities: &[],
    accepted: &[],
    rejected: &[],
};

// Microsoft Dynamics 365 Sales (Dataverse) "Export to Excel" views, by display name, with the
// hidden `(Do Not Modify) Lead` id column and the logical names of Dataverse exports
// (`emailaddress1`, `ownerid`, `statuscode`, `createdon`); related columns of an activity view
// are headed `Column (Lookup) (Table)`, so an activity's lead e-mail is
// `Email (Regarding) (Lead)`. Dispositions: the Lead's default Status Reason values.
const DYNAMICS: Preset = Preset {
    name: "dynamics",
    marketing: &[
        (
            "key",
            &["Email", "emailaddress1", "(Do Not Modify) Lead", "leadid"],
        ),
        (
            "handed_over_at",
            &["MQL Date", "MQL Date/Time", "new_mqldate"],
        ),
        ("mql", &["Is MQL", "new_ismql", "MQL"]),
        ("created_at", &["Created On", "createdon"]),
    ],
    crm: &[
        (
            "key",
            &["Email", "emailaddress1", "(Do Not Modify) Lead", "leadid"],
        ),
        ("owner", &["Owner", "ownerid"]),
        (
            "assigned_at",
            &["Assigned On", "Assigned Date", "new_assignedon"],
        ),
        (
            "disposition",
            &["Status Reason", "statuscode", "Status", "statecode"],
        ),
        (
            "disposition_reason",
            &[
                "Disqualified Reason",
                "Disqualification Reason",
                "Unqualified Reason",
            ],
        ),
        (
            "disposition_at",
            &["Status Changed On", "Status Change Date", "Status Changed"],
        ),
        ("first_touch_at", &["First Touch On", "First Touch Date"]),
    ],
    activities: &[
        (
            "key",
            &[
                "Email (Regarding) (Lead)",
                "Email (Regarding) (Contact)",
                "Email (Regarding)",
                "Email",
            ],
        ),
        (
            "at",
            &[
                "Actual End",
                "actualend",
                "Date Completed",
                "Due",
                "Due Date",
            ],
        ),
        ("type", &["Activity Type", "activitytypecode"]),
        ("owner", &["Owner", "ownerid"]),
        ("subject", &["Subject"]),
        ("outcome", &["Status Reason", "statuscode"]),
    ],
    accepted: &["Qualified"],
    rejected: &[
        "Lost",
        "Cannot Contact",
        "No Longer Interested",
        "Canceled",
        "Disqualified",
    ],
};

// Pipedrive list-view exports, whose headers carry the entity as a prefix (`Person - Email`,
// `Lead - Owner`, `Deal - Owner`, `Deal - Status`, `Deal - Lost reason`, `Deal - Deal created`,
// `Activity - Due date`, `Activity - Type`, `Activity - Assigned to user`), as seen in exports
// and import templates. Custom fields take the same prefix (`Person - MQL date`). Dispositions:
// a deal's status (open and won deals were accepted by sales, lost ones rejected).
const PIPEDRIVE: Preset = Preset {
    name: "pipedrive",
    marketing: &[
        (
            "key",
            &[
                "Person - Email",
                "Person - Email - Work",
                "Person - Email - Home",
                "Person - Email - Other",
            ],
        ),
        (
            "handed_over_at",
            &[
                "Person - MQL date",
                "Lead - MQL date",
                "Deal - MQL date",
                "MQL date",
            ],
        ),
        (
            "mql",
            &[
                "Person - Is MQL",
                "Lead - Is MQL",
                "Deal - Is MQL",
                "Is MQL",
            ],
        ),
        (
            "created_at",
            &[
                "Person - Person created",
                "Lead - Lead created",
                "Deal - Deal created",
            ],
        ),
    ],
    crm: &[
        (
            "key",
            &[
                "Person - Email",
                "Person - Email - Work",
                "Person - Email - Home",
                "Person - Email - Other",
            ],
        ),
        ("owner", &["Lead - Owner", "Deal - Owner", "Person - Owner"]),
        (
            "assigned_at",
            &[
                "Lead - Assigned at",
                "Deal - Assigned at",
                "Person - Assigned at",
            ],
        ),
        (
            "disposition",
            &["Lead - Status", "Deal - Status", "Person - Lead status"],
        ),
        (
            "disposition_reason",
            &[
                "Lead - Unqualified reason",
                "Lead - Lost reason",
                "Deal - Lost reason",
            ],
        ),
        (
            "disposition_at",
            &["Lead - Status changed", "Deal - Deal closed on"],
        ),
        (
            "first_touch_at",
            &[
                "Lead - First touch",
                "Person - First touch",
                "Deal - First touch",
            ],
        ),
    ],
    activities: &[
        (
            "key",
            &[
                "Person - Email",
                "Person - Email - Work",
                "Person - Email - Home",
                "Person - Email - Other",
            ],
        ),
        (
            "at",
            &["Activity - Marked as done time", "Activity - Due date"],
        ),
        ("type", &["Activity - Type"]),
        (
            "owner",
            &[
                "Activity - Assigned to user",
                "Activity - Owner",
                "Activity - User",
            ],
        ),
        ("subject", &["Activity - Subject"]),
        (
            "outcome",
            &["Activity - Outcome", "Activity - Call outcome"],
        ),
    ],
    accepted: &["Won", "Open"],
    rejected: &["Lost"],
};

// Zoho CRM module exports: Leads (`Record Id`, `Email`, `Lead Owner`, `Lead Status`,
// `Created Time`) and Calls (`Call Start Time`, `Call Owner`, `Call Type`, `Call Result`, the
// related lead's `LEADID`), as seen in real exports, which also write `15 Apr, 2021 00:03:00`.
// Dispositions: the default Lead Status picklist.
const ZOHO: Preset = Preset {
    name: "zoho",
    marketing: &[
        ("key", &["Record Id", "LEADID", "Lead Id", "Email"]),
        ("handed_over_at", &["MQL Date", "MQL_Date", "MQL Date Time"]),
        ("mql", &["Is MQL", "Is_MQL", "MQL"]),
        ("created_at", &["Created Time", "Created_Time"]),
    ],
    crm: &[
        ("key", &["Record Id", "LEADID", "Lead Id", "Email"]),
        ("owner", &["Lead Owner", "Owner", "Contact Owner"]),
        (
            "assigned_at",
            &["Assigned Time", "Assigned_Time", "Assigned Date"],
        ),
        ("disposition", &["Lead Status", "Lead_Status"]),
        (
            "disposition_reason",
            &["Unqualified Reason", "Unqualified_Reason", "Lost Reason"],
        ),
        (
            "disposition_at",
            &[
                "Status Changed Time",
                "Status_Changed_Time",
                "Status Changed",
            ],
        ),
        (
            "first_touch_at",
            &[
                "First Touch Time",
                "First_Touch_Time",
                "First Contacted Time",
            ],
        ),
    ],
    activities: &[
        (
            "key",
            &[
                "LEADID",
                "Lead Id",
                "What Id",
                "Related To Id",
                "CONTACTID",
                "Who Id",
            ],
        ),
        (
            "at",
            &[
                "Call Start Time",
                "Call_Start_Time",
                "Start DateTime",
                "Start Time",
            ],
        ),
        ("type", &["Call Type", "Call_Type", "Activity Type"]),
        ("owner", &["Call Owner", "Host", "Activity Owner", "Owner"]),
        ("subject", &["Subject", "Title"]),
        ("outcome", &["Call Result", "Call_Result", "Call Status"]),
    ],
    accepted: &["Contacted", "Pre-Qualified", "Pre Qualified", "Qualified"],
    rejected: &["Not Qualified", "Junk Lead", "Lost Lead"],
};

const ALL: &[&Preset] = &[
    &GENERIC,
    &SALESFORCE,
    &HUBSPOT,
    &MARKETO,
    &PARDOT,
    &DYNAMICS,
    &PIPEDRIVE,
    &ZOHO,
];

/// The preset of that name (case-insensitive).
pub fn find(name: &str) -> Option<&'static Preset> {
    ALL.iter()
        .copied()
        .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
}

/// Every preset name.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|p| p.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGICAL: [(Source, &[&str]); 3] = [
        (
            Source::Marketing,
            &["key", "handed_over_at", "mql", "created_at"],
        ),
        (
            Source::Crm,
            &[
                "key",
                "owner",
                "assigned_at",
                "disposition",
                "disposition_reason",
                "disposition_at",
                "first_touch_at",
            ],
        ),
        (
            Source::Activities,
            &["key", "at", "type", "owner", "subject", "outcome"],
        ),
    ];

    #[test]
    fn every_vendor_is_known() {
        for name in [
            "generic",
            "salesforce",
            "hubspot",
            "marketo",
            "pardot",
            "dynamics",
            "pipedrive",
            "zoho",
        ] {
            assert!(find(name).is_some(), "{name}");
        }
        assert_eq!(find(" HubSpot ").map(|p| p.name), Some("hubspot"));
        assert!(find("eloqua").is_none());
    }

    #[test]
    fn aliases_are_logical_columns_without_repeats() {
        for p in ALL {
            for (source, logical) in LOGICAL {
                let cols = p.columns(source);
                for (i, (name, aliases)) in cols.iter().enumerate() {
                    assert!(logical.contains(name), "{}: {name}", p.name);
                    assert!(
                        cols[..i].iter().all(|(n, _)| n != name),
                        "{}: {name} twice",
                        p.name
                    );
                    assert!(!aliases.is_empty(), "{}: {name} has no alias", p.name);
                    for (j, a) in aliases.iter().enumerate() {
                        assert_eq!(a.trim(), *a, "{}: `{a}`", p.name);
                        assert!(
                            aliases[..j].iter().all(|b| !b.eq_ignore_ascii_case(a)),
                            "{}: {name} repeats `{a}`",
                            p.name
                        );
                    }
                }
            }
            for a in p.accepted {
                assert!(
                    !p.rejected.iter().any(|r| r.eq_ignore_ascii_case(a)),
                    "{}: `{a}` both accepted and rejected",
                    p.name
                );
            }
        }
    }

    #[test]
    fn vendor_presets_map_the_required_columns() {
        for p in ALL {
            let has = |source, logical| p.columns(source).iter().any(|(n, _)| *n == logical);
            assert!(has(Source::Marketing, "key"), "{}", p.name);
            assert!(has(Source::Marketing, "handed_over_at"), "{}", p.name);
            assert!(has(Source::Crm, "key"), "{}", p.name);
            if !p.activities.is_empty() {
                assert!(has(Source::Activities, "key"), "{}", p.name);
                assert!(has(Source::Activities, "at"), "{}", p.name);
            }
        }
    }

    #[test]
    fn activity_keys_never_take_the_activity_own_id() {
        // An activity export's own id column must not be read as the lead's key.
        for p in ALL {
            for (name, aliases) in p.activities {
                if *name == "key" {
                    for own in ["Id", "Record ID", "Record Id", "Activity - ID"] {
                        assert!(
                            !aliases.iter().any(|a| a.eq_ignore_ascii_case(own)),
                            "{}: activity key alias `{own}`",
                            p.name
                        );
                    }
                }
            }
        }
    }
}
